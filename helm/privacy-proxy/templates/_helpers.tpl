{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "privacy-proxy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "privacy-proxy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "privacy-proxy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "privacy-proxy.labels" -}}
helm.sh/chart: {{ include "privacy-proxy.chart" . }}
app.kubernetes.io/name: {{ include "privacy-proxy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: include with (dict "ctx" $ "component" "proxy"). */}}
{{- define "privacy-proxy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "privacy-proxy.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "privacy-proxy.modelName" -}}
{{- printf "%s-model" (include "privacy-proxy.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "privacy-proxy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "privacy-proxy.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "privacy-proxy.secretName" -}}
{{- default (printf "%s-secrets" (include "privacy-proxy.fullname" .)) .Values.secrets.name }}
{{- end }}

{{- define "privacy-proxy.signingKeysSecretName" -}}
{{- default (printf "%s-signing-keys" (include "privacy-proxy.fullname" .)) .Values.secrets.signingKeys.name }}
{{- end }}

{{- define "privacy-proxy.testSecretName" -}}
{{- default (printf "%s-test-client" (include "privacy-proxy.fullname" .)) .Values.tests.apiKeySecret }}
{{- end }}

{{/* An image reference: registry/repository@sha256:... when a digest is set (the tag is then
only documentation, in values.yaml). Without a digest the chart refuses to render, unless
images.requireDigest is false, the explicit opt-out for tag-only references.
Include with (dict "ctx" $ "image" .Values.x.image "default" "<tag>" "path" "x.image"). */}}
{{- define "privacy-proxy.image" -}}
{{- $img := .image -}}
{{- $ref := printf "%s/%s" $img.registry $img.repository -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $ref $img.digest -}}
{{- else if .ctx.Values.images.requireDigest -}}
{{- fail (printf "%s.digest is empty: images are pulled by digest. Set it to the image's sha256 digest (crane digest <image:tag>, or docker buildx imagetools inspect <image:tag>), or set images.requireDigest=false to allow a tag-only reference" .path) -}}
{{- else -}}
{{- printf "%s:%s" $ref (required (printf "%s.tag is required without a digest" .path) (default .default $img.tag)) -}}
{{- end -}}
{{- end }}

{{/* The local route's base URL: the chart's model Service (https when model.tls.enabled), or a
model server you run. */}}
{{- define "privacy-proxy.localBaseUrl" -}}
{{- if .Values.model.enabled -}}
{{- printf "%s://%s:%d/v1" (ternary "https" "http" .Values.model.tls.enabled) (include "privacy-proxy.modelName" .) (int .Values.model.service.port) -}}
{{- else -}}
{{- required "model.externalBaseUrl is required when model.enabled is false" .Values.model.externalBaseUrl -}}
{{- end -}}
{{- end }}

{{- define "privacy-proxy.modelApiKeySecretName" -}}
{{- default (printf "%s-api-key" (include "privacy-proxy.modelName" .)) .Values.model.apiKey.secretName }}
{{- end }}

{{/* The Secret holding the CA bundle that verifies the model server (default: its TLS Secret). */}}
{{- define "privacy-proxy.modelCaSecretName" -}}
{{- $t := .Values.model.tls -}}
{{- default (required "model.tls.secretName is required when model.tls.enabled is true" $t.secretName) $t.caSecretName }}
{{- end }}

{{/* The client listener's scheme: https with proxy.tls.enabled. */}}
{{- define "privacy-proxy.scheme" -}}
{{- ternary "https" "http" .Values.proxy.tls.enabled -}}
{{- end }}

{{/* Labels of the pods that fetch the GGUF (model.gguf.source url). */}}
{{- define "privacy-proxy.fetchName" -}}
{{- printf "%s-fetch" (include "privacy-proxy.modelName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Pod-level security context shared by every pod. */}}
{{- define "privacy-proxy.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
fsGroup: {{ .Values.runAsUser }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security context shared by every container. */}}
{{- define "privacy-proxy.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsUser }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* ConfigMap key of a policy file: its path under policies/ with "/" spelled "__". */}}
{{- define "privacy-proxy.policyKey" -}}
{{- trimPrefix "policies/" . | replace "/" "__" -}}
{{- end }}

{{/* The policy files shipped to OPA: policies/ of the repository, without *_test.rego. */}}
{{- define "privacy-proxy.policyFiles" -}}
{{- range $path, $_ := .Files.Glob "policies/**" }}
{{- if or (hasSuffix ".rego" $path) (hasSuffix ".json" $path) }}
{{- if not (hasSuffix "_test.rego" $path) }}
{{ $path }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "privacy-proxy.postgresSecretName" -}}
{{- default (printf "%s-postgresql" (include "privacy-proxy.fullname" .)) .Values.postgresql.passwordSecret }}
{{- end }}
