# METADATA
# title: Privacy routing decision
# description: >-
#   May this request leave, and in what form? The input document is described in
#   proxy/decide/types.py; the facts about regions, providers and tenants live in
#   policies/data.json; the GDPR Chapter V facts of a request in privacy/transfer.rego.
#   Decisions depend on entity types, never on their counts or scores (the proxy caches decisions
#   per entity-type set).
package privacy.decision

import data.privacy.transfer

# METADATA
# title: The decision
# description: >-
#   Entry point data.privacy.decision.result (OPA Data API: POST /v1/data/privacy/decision/result).
#   Policies start from deny: an input no rule below decides is refused.
# scope: document
# entrypoint: true
default result := {
	"route": "deny",
	"transform": "none",
	"entities": [],
	"reasons": [{"code": "undecided", "text": "No rule decided this request; denied by default."}],
}

# The decision: the first branch that applies wins.
result := decision("deny", "none", [], {"input_invalid"}) if {
	not valid_input
} else := decision("deny", "none", [], {"model_not_allowed"}) if {
	not model_allowed
} else := decision("local", "none", [], keep_local) if {
	count(keep_local) > 0
	count(local_problems) == 0
} else := decision("deny", "none", [], keep_local | local_problems) if {
	count(keep_local) > 0
} else := object.union(decision("external", "none", [], {"no_personal_data"}), destination) if {
	not personal
} else := object.union(
	{
		"route": "external",
		"transform": external_transform,
		"entities": sorted_entity_types,
		"reasons": array.concat([reason(transform_reason[external_transform])], transfer_reasons),
		"transfer_mechanism": transfer_used,
	},
	destination,
)

endpoints := {"chat.completions", "completions", "embeddings", "responses"}

# Input validation: anything missing or of the wrong type makes the request undecidable.
valid_input if {
	is_string(input.tenant.id)
	is_string(input.tenant.region)
	is_boolean(input.tenant.allow_external)
	is_boolean(input.tenant.strict)
	is_boolean(input.tenant.personal_data_local)
	is_string(input.tenant.purpose)
	is_array(input.tenant.purposes)
	valid_allowed_models
	input.request.endpoint in endpoints
	is_string(input.request.model)
	is_string(input.request.purpose)
	is_object(input.detection.entities)
	is_boolean(input.destinations.local.available)
	is_string(input.destinations.local.region)
	is_boolean(input.destinations.external.available)
	is_string(input.destinations.external.provider)
}

valid_allowed_models if is_null(input.tenant.allowed_models)

valid_allowed_models if is_array(input.tenant.allowed_models)

# Facts about the request and the tenant. Tenant data (policies/data.json) only tightens what the
# proxy configuration says: anything but an explicit false switches a restriction on.

tenant_data := object.union(data.privacy.tenant_defaults, object.get(data.privacy.tenants, input.tenant.id, {}))

tenant_strict if input.tenant.strict

tenant_strict if not tenant_data.strict == false

tenant_personal_data_local if input.tenant.personal_data_local

tenant_personal_data_local if not tenant_data.personal_data_local == false

entity_types := object.keys(input.detection.entities)

# Sorted arrays are built from arrays: regopy's sort() of a set yields a value that compares unequal.
sorted_entity_types := sort([t | some t in entity_types])

personal if count(entity_types) > 0

special_types := entity_types & {t | some t in data.privacy.special_categories}

criminal_types := entity_types & {t | some t in data.privacy.criminal_offence_data}

model_allowed if is_null(input.tenant.allowed_models)

model_allowed if input.request.model in input.tenant.allowed_models

# Purposes: the request's purpose must be one the tenant may process personal data for (the
# proxy's list), and one the tenant's policy data allows (null: any).
request_purpose := lower(input.request.purpose)

purpose_allowed if {
	some p in input.tenant.purposes
	is_string(p)
	lower(p) == request_purpose
	data_purpose_allowed
}

data_purpose_allowed if is_null(tenant_data.purposes)

data_purpose_allowed if {
	some p in tenant_data.purposes
	is_string(p)
	lower(p) == request_purpose
}

provider_allowed if is_null(tenant_data.allowed_providers)

provider_allowed if input.destinations.external.provider in tenant_data.allowed_providers

# Why this request must stay local: its data...

keep_local contains "special_category" if count(special_types) > 0

keep_local contains "criminal_offence_data" if count(criminal_types) > 0

keep_local contains "tenant_strict" if tenant_strict

keep_local contains "tenant_personal_data_local" if {
	personal
	tenant_personal_data_local
}

keep_local contains "tenant_region_unrecognised" if {
	personal
	not transfer.tenant_region
}

keep_local contains "provider_unknown" if {
	personal
	not transfer.provider_regions
}

keep_local contains "transfer_mechanism_missing" if {
	personal
	transfer.transfer_needed
	not transfer.mechanism
}

keep_local contains "transfer_mechanism_invalid" if {
	personal
	transfer.transfer_needed
	transfer.mechanism
	transfer.uncovered
}

keep_local contains "purpose_not_allowed" if {
	personal
	not purpose_allowed
}

# ... or the tenant and the destination, personal data or not.

keep_local contains "external_disallowed" if not input.tenant.allow_external

keep_local contains "external_unavailable" if not input.destinations.external.available

keep_local contains "provider_not_allowed" if not provider_allowed

# Why the local destination cannot take it: none is available, or it runs where personal data
# under the GDPR (and everything a strict tenant under it sends) may not be kept.

local_problems contains "local_unavailable" if not input.destinations.local.available

local_problems contains "local_region_not_adequate" if {
	local_needs_safe_haven
	not transfer.local_safe_haven
}

local_needs_safe_haven if {
	transfer.gdpr_applies
	personal
}

local_needs_safe_haven if {
	transfer.gdpr_applies
	tenant_strict
}

# How personal data leaves when it may: transformed as the tenant's data says, and, out of the
# EU/EEA, under the recorded transfer mechanism.

external_transform := tenant_data.external_transform if tenant_data.external_transform in {"pseudonymize", "redact"}

transform_reason := {"pseudonymize": "personal_data_pseudonymized", "redact": "personal_data_redacted"}

transfer_used := transfer.mechanism if {
	transfer.transfer_needed
} else := null

transfer_reasons := [{"code": concat("", ["transfer_", transfer.mechanism]), "text": text}] if {
	transfer.transfer_needed
	text := sprintf(
		"Leaves the EU/EEA for %s under %s.",
		[transfer.provider.name, data.privacy.transfer_mechanisms[transfer.mechanism]],
	)
} else := []

# The provider's regions as the policy read them: the audit record names them.
destination := {"provider_regions": transfer.provider_regions} if {
	transfer.provider_regions
} else := {"provider_regions": []}

decision(route, transform, entities, codes) := {
	"route": route,
	"transform": transform,
	"entities": entities,
	"reasons": [reason(code) | some code in sort([c | some c in codes])],
}

reason(code) := {"code": code, "text": data.privacy.reasons[code]}
