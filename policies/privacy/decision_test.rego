# Tests for data.privacy.decision.result: every rule, positive and negative.
#
# Inputs are given part by part (`with input.tenant as ...`): regopy 1.5 crashes on a whole
# `with input as {...}` when the policy calls builtins. The parts are built by the helper functions
# below; each test overrides only what it is about.
package privacy.decision_test

import data.privacy.decision

tenant(overrides) := object.union(
	{
		"id": "acme",
		"region": "EU",
		"allow_external": true,
		"strict": false,
		"allowed_models": null,
		"purpose": "general",
	},
	overrides,
)

request(overrides) := object.union({"endpoint": "chat.completions", "model": "gpt-4o", "stream": false}, overrides)

detection(types) := {"entities": {t: {"count": 1, "max_score": 0.9} | some t in types}}

destinations(local_available, external_available, provider) := {
	"local": {"available": local_available, "model": "smollm2-135m-instruct", "region": "EU"},
	"external": {"available": external_available, "provider": provider, "model": "gpt-4o"},
}

codes(result) := [r.code | some r in result.reasons]

# No personal data.

test_clean_data_external_as_is if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "none"
	r.entities == []
	codes(r) == ["no_personal_data"]
}

test_clean_data_tenant_disallows_external_local if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	codes(r) == ["external_disallowed"]
}

test_clean_data_tenant_disallows_external_no_local_deny if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(false, true, "openai")
	r.route == "deny"
	codes(r) == ["external_disallowed", "local_unavailable"]
}

test_clean_data_no_external_key_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, false, "openai")
	r.route == "local"
	codes(r) == ["external_unavailable"]
}

# Personal data goes external only pseudonymized, and only where the tenant allows it.

test_personal_data_eu_tenant_scc_provider_pseudonymized if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "EMAIL_ADDRESS"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "pseudonymize"
	r.entities == ["EMAIL_ADDRESS", "PERSON"]
	codes(r) == ["personal_data_pseudonymized", "transfer_scc"]
	r.transfer_mechanism == "scc"
	r.reasons[1].text == "Leaves the EU/EEA for OpenAI under standard contractual clauses (GDPR Art. 46(2)(c))."
}

test_personal_data_tenant_disallows_external_local if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	r.entities == []
	codes(r) == ["external_disallowed"]
}

test_personal_data_no_external_key_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, false, "openai")
	r.route == "local"
	codes(r) == ["external_unavailable"]
}

# EU tenant, provider outside the EU/EEA: pseudonymized with a transfer mechanism, else local.

test_transfer_without_mechanism_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_transfer_without_mechanism_no_local_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(false, true, "deepseek")
	r.route == "deny"
	codes(r) == ["local_unavailable", "transfer_mechanism_missing"]
}

test_transfer_without_mechanism_clean_data_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "external"
	r.transform == "none"
}

test_non_eu_tenant_needs_no_mechanism_external if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "external"
	r.transform == "pseudonymize"
	codes(r) == ["personal_data_pseudonymized"]
	r.transfer_mechanism == null
}

test_eea_country_tenant_is_eu_local if {
	r := decision.result with input.tenant as tenant({"region": "NO"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_provider_in_eu_no_transfer_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "external"
	r.transform == "pseudonymize"
	codes(r) == ["personal_data_pseudonymized"]
}

test_adequacy_decision_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "uk-provider")
		with data.privacy.providers as {"uk-provider": {"name": "UK AI", "regions": ["GB"], "transfer_mechanism": "adequacy"}}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_adequacy"]
}

test_provider_unknown_personal_data_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "unlisted")
	r.route == "local"
	codes(r) == ["provider_unknown"]
}

test_provider_unknown_clean_data_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "unlisted")
	r.route == "external"
}

# Special categories (Art. 9) stay local, whatever the tenant says.

test_special_category_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	codes(r) == ["special_category"]
}

test_special_category_non_eu_tenant_in_eu_provider_local if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["RELIGIOUS_BELIEF"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["special_category"]
}

test_special_category_no_local_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(false, true, "openai")
	r.route == "deny"
	codes(r) == ["local_unavailable", "special_category"]
}

test_ordinary_personal_data_is_not_special_category if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PHONE_NUMBER", "IBAN_CODE"])
		with input.destinations as destinations(false, true, "openai")
	r.route == "external"
}

# A strict tenant keeps personal data local.

test_strict_tenant_personal_data_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_strict"]
}

test_strict_tenant_clean_data_external if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "none"
}

test_strict_in_policy_data_local if {
	r := decision.result with input.tenant as tenant({"id": "example-clinic"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_strict"]
}

# Tenant data: allowed providers, purposes, transformation.

test_provider_not_allowed_for_tenant_local if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "research"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["provider_not_allowed"]
}

test_allowed_provider_redacts_external if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "research"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "external"
	r.transform == "redact"
	r.entities == ["PERSON"]
	codes(r) == ["personal_data_redacted"]
}

test_purpose_not_allowed_local if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "marketing"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["purpose_not_allowed"]
}

test_purpose_irrelevant_without_personal_data_external if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "marketing"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "external"
}

# Models.

test_model_not_allowed_deny if {
	r := decision.result with input.tenant as tenant({"allowed_models": ["gpt-4o-mini"]})
		with input.request as request({"model": "gpt-4o"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["model_not_allowed"]
}

test_model_allowed_external if {
	r := decision.result with input.tenant as tenant({"allowed_models": ["gpt-4o-mini"]})
		with input.request as request({"model": "gpt-4o-mini"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
}

test_model_not_allowed_even_if_local_deny if {
	r := decision.result with input.tenant as tenant({"allowed_models": []})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["model_not_allowed"]
}

# Embeddings and completions follow the same rules.

test_embeddings_personal_data_pseudonymized if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "embeddings", "model": "text-embedding-3-small"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "pseudonymize"
}

test_embeddings_special_category_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "embeddings", "model": "text-embedding-3-small"})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

test_completions_strict_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({"endpoint": "completions"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

# Anything undecidable is denied.

test_unknown_endpoint_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "images"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_missing_detection_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_wrong_type_deny if {
	r := decision.result with input.tenant as tenant({"allow_external": "yes"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_unknown_transform_in_data_undecided_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
		with data.privacy.tenant_defaults.external_transform as "rot13"
	r.route == "deny"
	codes(r) == ["undecided"]
}
