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

{{/* An image reference registry/repository:tag@digest; the runtime pulls by digest when one is set. */}}
{{- define "privacy-proxy.image" -}}
{{- $img := .image -}}
{{- $ref := printf "%s/%s" $img.registry $img.repository -}}
{{- $tag := default .default $img.tag -}}
{{- if $tag }}{{ $ref = printf "%s:%s" $ref $tag }}{{ end -}}
{{- if $img.digest }}{{ $ref = printf "%s@%s" $ref $img.digest }}{{ end -}}
{{- $ref -}}
{{- end }}

{{/* The local route's base URL: the chart's model Service, or a model server you run. */}}
{{- define "privacy-proxy.localBaseUrl" -}}
{{- if .Values.model.enabled -}}
{{- printf "http://%s:%d/v1" (include "privacy-proxy.modelName" .) (int .Values.model.service.port) -}}
{{- else -}}
{{- required "model.externalBaseUrl is required when model.enabled is false" .Values.model.externalBaseUrl -}}
{{- end -}}
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
