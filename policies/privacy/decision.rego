# METADATA
# title: Privacy routing decision
# description: >-
#   May this request leave, and in what form? Entry point data.privacy.decision.result
#   (OPA Data API: POST /v1/data/privacy/decision/result). The input document is described in
#   proxy/decide/types.py; the facts about providers and tenants live in policies/data.json.
#   Decisions depend on entity types, never on their counts or scores (the proxy caches decisions
#   per entity-type set).
package privacy.decision

# Policies start from deny: an input no rule below decides is refused.
default result := {
	"route": "deny",
	"transform": "none",
	"entities": [],
	"reasons": [{"code": "undecided", "text": "No rule decided this request; denied by default."}],
}

endpoints := {"chat.completions", "completions", "embeddings"}

# Input validation: anything missing or of the wrong type makes the request undecidable.

valid_input if {
	is_string(input.tenant.id)
	is_string(input.tenant.region)
	is_boolean(input.tenant.allow_external)
	is_boolean(input.tenant.strict)
	is_string(input.tenant.purpose)
	valid_allowed_models
	input.request.endpoint in endpoints
	is_string(input.request.model)
	is_object(input.detection.entities)
	is_boolean(input.destinations.local.available)
	is_boolean(input.destinations.external.available)
	is_string(input.destinations.external.provider)
}

valid_allowed_models if is_null(input.tenant.allowed_models)

valid_allowed_models if is_array(input.tenant.allowed_models)

# Facts about the request, the tenant and the provider.

tenant_data := object.union(data.privacy.tenant_defaults, object.get(data.privacy.tenants, input.tenant.id, {}))

entity_types := object.keys(input.detection.entities)

# Sorted arrays are built from arrays: regopy's sort() of a set yields a value that compares unequal.
sorted_entity_types := sort([t | some t in entity_types])

personal if count(entity_types) > 0

special_types := entity_types & {t | some t in data.privacy.special_categories}

eu_tenant if input.tenant.region in data.privacy.eu_eea_regions

provider := data.privacy.providers[input.destinations.external.provider]

provider_outside_eea if {
	some region in provider.regions
	not region in data.privacy.eu_eea_regions
}

transfer_mechanism := provider.transfer_mechanism if data.privacy.transfer_mechanisms[provider.transfer_mechanism]

transfer_needed if {
	eu_tenant
	provider_outside_eea
}

model_allowed if is_null(input.tenant.allowed_models)

model_allowed if input.request.model in input.tenant.allowed_models

tenant_strict if input.tenant.strict

tenant_strict if tenant_data.strict

purpose_allowed if is_null(tenant_data.purposes)

purpose_allowed if input.tenant.purpose in tenant_data.purposes

provider_allowed if is_null(tenant_data.allowed_providers)

provider_allowed if input.destinations.external.provider in tenant_data.allowed_providers

# Why personal data in this request must stay local.

keep_local contains "special_category" if count(special_types) > 0

keep_local contains "tenant_strict" if {
	personal
	tenant_strict
}

keep_local contains "provider_unknown" if {
	personal
	not provider
}

keep_local contains "transfer_mechanism_missing" if {
	personal
	transfer_needed
	not transfer_mechanism
}

keep_local contains "purpose_not_allowed" if {
	personal
	not purpose_allowed
}

# Why nothing in this request may go external, personal data or not.

keep_local contains "external_disallowed" if not input.tenant.allow_external

keep_local contains "external_unavailable" if not input.destinations.external.available

keep_local contains "provider_not_allowed" if not provider_allowed

# How personal data leaves when it may: transformed as the tenant's data says, and, out of the
# EU/EEA, under the recorded transfer mechanism.

external_transform := tenant_data.external_transform if tenant_data.external_transform in {"pseudonymize", "redact"}

transform_reason := {"pseudonymize": "personal_data_pseudonymized", "redact": "personal_data_redacted"}

transfer_used := transfer_mechanism if {
	transfer_needed
} else := null

transfer_reasons := [{"code": sprintf("transfer_%s", [transfer_mechanism]), "text": text}] if {
	transfer_needed
	text := sprintf(
		"Leaves the EU/EEA for %s under %s.",
		[provider.name, data.privacy.transfer_mechanisms[transfer_mechanism]],
	)
} else := []

# The decision: the first branch that applies wins.

result := decision("deny", "none", [], {"input_invalid"}) if {
	not valid_input
} else := decision("deny", "none", [], {"model_not_allowed"}) if {
	not model_allowed
} else := decision("local", "none", [], keep_local) if {
	count(keep_local) > 0
	input.destinations.local.available
} else := decision("deny", "none", [], keep_local | {"local_unavailable"}) if {
	count(keep_local) > 0
} else := decision("external", "none", [], {"no_personal_data"}) if {
	not personal
} else := {
	"route": "external",
	"transform": external_transform,
	"entities": sorted_entity_types,
	"reasons": array.concat([reason(transform_reason[external_transform])], transfer_reasons),
	"transfer_mechanism": transfer_used,
}

decision(route, transform, entities, codes) := {
	"route": route,
	"transform": transform,
	"entities": entities,
	"reasons": [reason(code) | some code in sort([c | some c in codes])],
}

reason(code) := {"code": code, "text": data.privacy.reasons[code]}
