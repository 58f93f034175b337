# Tests for privacy.decision, named after the rule they test: test_<rule>_<case>_<expected>.
#
# Inputs are given part by part (`with input.tenant as ...`): regopy 1.5 crashes on a whole
# `with input as {...}` when the policy calls builtins. The parts are built by the helper functions
# below; each test overrides only what it is about. Every test runs on OPA's Go engine and on
# regopy (`privacy-proxy policy test`).
package privacy.decision_test

import data.privacy.decision

tenant(overrides) := object.union(
	{
		"id": "acme",
		"region": "EU",
		"allow_external": true,
		"strict": false,
		"personal_data_local": false,
		"allowed_models": null,
		"purpose": "general",
		"purposes": ["general"],
	},
	overrides,
)

request(overrides) := object.union(
	{"endpoint": "chat.completions", "model": "gpt-4o", "stream": false, "purpose": "general"},
	overrides,
)

detection(types) := {"entities": {t: {"count": 1, "max_score": 0.9} | some t in types}}

destinations(local_available, external_available, provider) := destinations_at(local_available, external_available, provider, "EU")

destinations_at(local_available, external_available, provider, local_region) := {
	"local": {"available": local_available, "model": "smollm2-135m-instruct", "region": local_region},
	"external": {"available": external_available, "provider": provider, "model": "gpt-4o"},
}

codes(result) := [r.code | some r in result.reasons]

provider(regions, mechanism) := {"name": "Test AI", "regions": regions, "transfer_mechanism": mechanism}

# result: the branches, in order

test_result_clean_data_external_as_is if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "none"
	r.entities == []
	codes(r) == ["no_personal_data"]
	r.provider_regions == ["US"]
}

test_result_personal_data_pseudonymized_with_scc if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "EMAIL_ADDRESS"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "pseudonymize"
	r.entities == ["EMAIL_ADDRESS", "PERSON"]
	codes(r) == ["personal_data_pseudonymized", "transfer_scc"]
	r.transfer_mechanism == "scc"
	r.provider_regions == ["US"]
	r.reasons[1].text == "Leaves the EU/EEA for OpenAI under standard contractual clauses (GDPR Art. 46(2)(c))."
}

test_result_unknown_endpoint_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "images"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_result_missing_detection_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_result_wrong_type_deny if {
	r := decision.result with input.tenant as tenant({"allow_external": "yes"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_result_missing_purpose_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as {"endpoint": "chat.completions", "model": "gpt-4o", "stream": false}
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_result_missing_local_region_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as {
			"local": {"available": true, "model": "m"},
			"external": {"available": true, "provider": "openai", "model": "gpt-4o"},
		}
	r.route == "deny"
	codes(r) == ["input_invalid"]
}

test_result_model_not_allowed_deny if {
	r := decision.result with input.tenant as tenant({"allowed_models": ["gpt-4o-mini"]})
		with input.request as request({"model": "gpt-4o"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["model_not_allowed"]
}

test_result_model_allowed_external if {
	r := decision.result with input.tenant as tenant({"allowed_models": ["gpt-4o-mini"]})
		with input.request as request({"model": "gpt-4o-mini"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
}

test_result_model_not_allowed_even_if_local_deny if {
	r := decision.result with input.tenant as tenant({"allowed_models": []})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "deny"
	codes(r) == ["model_not_allowed"]
}

test_result_keep_local_without_local_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(false, true, "openai")
	r.route == "deny"
	codes(r) == ["local_unavailable", "special_category"]
}

test_result_combined_reasons_all_sorted_local if {
	r := decision.result with input.tenant as tenant({"strict": true, "allow_external": false})
		with input.request as request({"purpose": "marketing"})
		with input.detection as detection(["PERSON", "HEALTH_DATA", "CRIMINAL_OFFENCE"])
		with input.destinations as destinations(true, false, "deepseek")
	r.route == "local"
	r.transform == "none"
	r.entities == []
	codes(r) == [
		"criminal_offence_data", "external_disallowed", "external_unavailable",
		"purpose_not_allowed", "special_category", "tenant_strict", "transfer_mechanism_missing",
	]
}

test_result_combined_reasons_no_local_outside_eea_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "HEALTH_DATA"])
		with input.destinations as destinations_at(false, true, "deepseek", "US")
	r.route == "deny"
	codes(r) == ["local_region_not_adequate", "local_unavailable", "special_category", "transfer_mechanism_missing"]
}

test_result_unknown_transform_in_data_undecided_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
		with data.privacy.tenant_defaults.external_transform as "rot13"
	r.route == "deny"
	codes(r) == ["undecided"]
}

test_result_embeddings_personal_data_pseudonymized if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "embeddings", "model": "text-embedding-3-small"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "pseudonymize"
}

test_result_embeddings_special_category_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "embeddings", "model": "text-embedding-3-small"})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

test_result_completions_strict_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({"endpoint": "completions"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

test_result_responses_personal_data_pseudonymized if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "responses"})
		with input.detection as detection(["PERSON", "EMAIL_ADDRESS"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	r.transform == "pseudonymize"
}

test_result_responses_strict_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({"endpoint": "responses"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

test_result_responses_special_category_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({"endpoint": "responses"})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
}

# keep_local: special categories (Art. 9) and criminal-offence data (Art. 10)

test_keep_local_special_category_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	codes(r) == ["special_category"]
}

test_keep_local_special_category_non_eu_tenant_eu_provider_local if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["RELIGIOUS_BELIEF"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["special_category"]
}

test_keep_local_ordinary_personal_data_not_special_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PHONE_NUMBER", "IBAN_CODE"])
		with input.destinations as destinations(false, true, "openai")
	r.route == "external"
}

test_keep_local_criminal_offence_data_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "CRIMINAL_OFFENCE"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["criminal_offence_data"]
}

test_keep_local_criminal_offence_data_non_eu_tenant_local if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["CRIMINAL_OFFENCE"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["criminal_offence_data"]
}

test_keep_local_criminal_and_special_both_reasons if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["CRIMINAL_OFFENCE", "HEALTH_DATA"])
		with input.destinations as destinations(true, true, "openai")
	codes(r) == ["criminal_offence_data", "special_category"]
}

# keep_local: the tenant

test_keep_local_tenant_strict_personal_data_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_strict"]
}

test_keep_local_tenant_strict_clean_data_local if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	codes(r) == ["tenant_strict"]
}

test_keep_local_tenant_strict_no_local_deny if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(false, true, "openai")
	r.route == "deny"
	codes(r) == ["local_unavailable", "tenant_strict"]
}

test_keep_local_tenant_strict_in_policy_data_local if {
	r := decision.result with input.tenant as tenant({"id": "example-clinic"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_strict"]
}

test_keep_local_tenant_strict_malformed_data_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
		with data.privacy.tenants as {"acme": {"strict": "no"}}
	r.route == "local"
	codes(r) == ["tenant_strict"]
}

test_keep_local_tenant_personal_data_local_personal_local if {
	r := decision.result with input.tenant as tenant({"personal_data_local": true})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_personal_data_local"]
}

test_keep_local_tenant_personal_data_local_clean_external if {
	r := decision.result with input.tenant as tenant({"personal_data_local": true})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
	codes(r) == ["no_personal_data"]
}

test_keep_local_tenant_personal_data_local_in_policy_data_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
		with data.privacy.tenants as {"acme": {"personal_data_local": true}}
	r.route == "local"
	codes(r) == ["tenant_personal_data_local"]
}

# keep_local: the tenant's region

test_keep_local_tenant_region_unrecognised_local if {
	r := decision.result with input.tenant as tenant({"region": "eu-west-1"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["tenant_region_unrecognised"]
}

test_keep_local_tenant_region_unrecognised_to_eu_provider_local if {
	r := decision.result with input.tenant as tenant({"region": "Europe"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["tenant_region_unrecognised"]
}

test_keep_local_tenant_region_unrecognised_local_outside_eea_deny if {
	r := decision.result with input.tenant as tenant({"region": ""})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "deny"
	codes(r) == ["local_region_not_adequate", "tenant_region_unrecognised"]
}

test_keep_local_tenant_region_unrecognised_clean_external if {
	r := decision.result with input.tenant as tenant({"region": "eu-west-1"})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
}

test_keep_local_tenant_region_any_case_is_eu if {
	r := decision.result with input.tenant as tenant({"region": "de"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_keep_local_tenant_region_eu_mixed_case_is_eu if {
	r := decision.result with input.tenant as tenant({"region": "Eu"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	codes(r) == ["personal_data_pseudonymized", "transfer_scc"]
}

test_keep_local_eea_country_tenant_is_eu_local if {
	r := decision.result with input.tenant as tenant({"region": "NO"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

# keep_local: the provider

test_keep_local_provider_unknown_unlisted_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "unlisted")
	r.route == "local"
	codes(r) == ["provider_unknown"]
}

test_keep_local_provider_unknown_empty_regions_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider([], "none")}
	r.route == "local"
	codes(r) == ["provider_unknown"]
}

test_keep_local_provider_unknown_no_regions_local if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": {"name": "Test AI", "transfer_mechanism": "scc"}}
	r.route == "local"
	codes(r) == ["provider_unknown"]
}

test_keep_local_provider_unknown_unrecognised_region_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["FR", "eu-west-3"], "none")}
	r.route == "local"
	codes(r) == ["provider_unknown"]
}

test_keep_local_provider_unknown_clean_data_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "unlisted")
	r.route == "external"
	r.provider_regions == []
}

# keep_local: the transfer out of the EU/EEA

test_keep_local_transfer_mechanism_missing_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_keep_local_transfer_mechanism_missing_no_local_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(false, true, "deepseek")
	r.route == "deny"
	codes(r) == ["local_unavailable", "transfer_mechanism_missing"]
}

test_keep_local_transfer_mechanism_missing_clean_data_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "external"
	r.transform == "none"
}

test_keep_local_transfer_mechanism_unknown_tool_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["CN"], "magic")}
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_keep_local_transfer_mechanism_missing_mixed_regions_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["FR", "US"], "none")}
	r.route == "local"
	codes(r) == ["transfer_mechanism_missing"]
}

test_keep_local_transfer_non_eu_tenant_needs_no_mechanism_external if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "deepseek")
	r.route == "external"
	r.transform == "pseudonymize"
	codes(r) == ["personal_data_pseudonymized"]
	r.transfer_mechanism == null
}

test_keep_local_transfer_provider_in_eu_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "external"
	r.transform == "pseudonymize"
	codes(r) == ["personal_data_pseudonymized"]
	r.transfer_mechanism == null
	r.provider_regions == ["FR"]
}

test_keep_local_transfer_mechanism_invalid_adequacy_unlisted_country_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["CN"], "adequacy")}
	r.route == "local"
	codes(r) == ["transfer_mechanism_invalid"]
}

test_keep_local_transfer_mechanism_invalid_adequacy_us_uncertified_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["US"], "adequacy")}
	r.route == "local"
	codes(r) == ["transfer_mechanism_invalid"]
}

test_keep_local_transfer_mechanism_invalid_dpf_uncertified_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["US"], "dpf")}
	r.route == "local"
	codes(r) == ["transfer_mechanism_invalid"]
}

test_keep_local_transfer_mechanism_invalid_dpf_outside_us_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": object.union(provider(["US", "IN"], "dpf"), {"dpf_certified": true})}
	r.route == "local"
	codes(r) == ["transfer_mechanism_invalid"]
}

# transfer_reasons: the tools that do cover the transfer

test_transfer_reasons_adequacy_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["GB"], "adequacy")}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_adequacy"]
	r.transfer_mechanism == "adequacy"
}

test_transfer_reasons_adequacy_mixed_regions_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["FR", "ch", "JP"], "adequacy")}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_adequacy"]
	r.provider_regions == ["FR", "CH", "JP"]
}

test_transfer_reasons_dpf_certified_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": object.union(provider(["US"], "dpf"), {"dpf_certified": true})}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_dpf"]
	r.transfer_mechanism == "dpf"
	startswith(r.reasons[1].text, "Leaves the EU/EEA for Test AI under the EU-US Data Privacy Framework")
}

test_transfer_reasons_scc_mixed_regions_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["FR", "US"], "scc")}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_scc"]
}

test_transfer_reasons_bcr_external if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "p")
		with data.privacy.providers as {"p": provider(["IN"], "bcr")}
	r.route == "external"
	codes(r) == ["personal_data_pseudonymized", "transfer_bcr"]
	r.transfer_mechanism == "bcr"
	r.reasons[1].text == "Leaves the EU/EEA for Test AI under binding corporate rules (GDPR Art. 47)."
}

# keep_local: purposes

test_keep_local_purpose_not_allowed_local if {
	r := decision.result with input.tenant as tenant({"purposes": ["support", "research"]})
		with input.request as request({"purpose": "marketing"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["purpose_not_allowed"]
}

test_keep_local_purpose_listed_any_case_external if {
	r := decision.result with input.tenant as tenant({"purposes": ["support", "Research"]})
		with input.request as request({"purpose": "research"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
}

test_keep_local_purpose_none_listed_local if {
	r := decision.result with input.tenant as tenant({"purposes": []})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["purpose_not_allowed"]
}

test_keep_local_purpose_not_allowed_by_policy_data_local if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purposes": ["marketing", "research"]})
		with input.request as request({"purpose": "marketing"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "local"
	codes(r) == ["purpose_not_allowed"]
}

test_keep_local_purpose_irrelevant_without_personal_data_external if {
	r := decision.result with input.tenant as tenant({"purposes": []})
		with input.request as request({"purpose": "marketing"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "external"
}

# keep_local: external destinations

test_keep_local_external_disallowed_clean_local if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.transform == "none"
	codes(r) == ["external_disallowed"]
}

test_keep_local_external_disallowed_no_local_deny if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(false, true, "openai")
	r.route == "deny"
	codes(r) == ["external_disallowed", "local_unavailable"]
}

test_keep_local_external_disallowed_personal_local if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	r.entities == []
	codes(r) == ["external_disallowed"]
}

test_keep_local_external_unavailable_clean_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations(true, false, "openai")
	r.route == "local"
	codes(r) == ["external_unavailable"]
}

test_keep_local_external_unavailable_personal_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, false, "openai")
	r.route == "local"
	codes(r) == ["external_unavailable"]
}

test_keep_local_provider_not_allowed_local if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "research", "purposes": ["research"]})
		with input.request as request({"purpose": "research"})
		with input.detection as detection([])
		with input.destinations as destinations(true, true, "openai")
	r.route == "local"
	codes(r) == ["provider_not_allowed"]
}

test_keep_local_provider_allowed_redacts_external if {
	r := decision.result with input.tenant as tenant({"id": "example-research", "purpose": "research", "purposes": ["research"]})
		with input.request as request({"purpose": "research"})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations(true, true, "mistral")
	r.route == "external"
	r.transform == "redact"
	r.entities == ["PERSON"]
	codes(r) == ["personal_data_redacted"]
}

# local_problems: the local destination's region

test_local_problems_local_outside_eea_eu_personal_data_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON", "HEALTH_DATA"])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "deny"
	codes(r) == ["local_region_not_adequate", "special_category"]
}

test_local_problems_local_in_adequate_country_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations_at(true, true, "openai", "CH")
	r.route == "local"
	codes(r) == ["special_category"]
}

test_local_problems_local_in_eea_country_local if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations_at(true, true, "openai", "no")
	r.route == "local"
}

test_local_problems_local_region_unrecognised_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["PERSON"])
		with input.destinations as destinations_at(true, true, "deepseek", "eu-central-1")
	r.route == "deny"
	codes(r) == ["local_region_not_adequate", "transfer_mechanism_missing"]
}

test_local_problems_local_in_us_dpf_is_not_enough_deny if {
	r := decision.result with input.tenant as tenant({})
		with input.request as request({})
		with input.detection as detection(["CRIMINAL_OFFENCE"])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "deny"
	codes(r) == ["criminal_offence_data", "local_region_not_adequate"]
}

test_local_problems_strict_eu_tenant_clean_local_outside_eea_deny if {
	r := decision.result with input.tenant as tenant({"strict": true})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "deny"
	codes(r) == ["local_region_not_adequate", "tenant_strict"]
}

test_local_problems_clean_data_local_outside_eea_local if {
	r := decision.result with input.tenant as tenant({"allow_external": false})
		with input.request as request({})
		with input.detection as detection([])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "local"
	codes(r) == ["external_disallowed"]
}

test_local_problems_non_eu_tenant_local_outside_eea_local if {
	r := decision.result with input.tenant as tenant({"region": "US"})
		with input.request as request({})
		with input.detection as detection(["HEALTH_DATA"])
		with input.destinations as destinations_at(true, true, "openai", "US")
	r.route == "local"
	codes(r) == ["special_category"]
}
