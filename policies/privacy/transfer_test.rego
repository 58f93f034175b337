# Tests for privacy.transfer, named after the rule they test: test_<rule>_<case>_<expected>.
# The rules read one part of the input each; a test gives only that part (`with input.x as`).
package privacy.transfer_test

import data.privacy.transfer

provider(regions, mechanism) := {"name": "Test AI", "regions": regions, "transfer_mechanism": mechanism}

certified(regions, mechanism) := object.union(provider(regions, mechanism), {"dpf_certified": true})

# tenant_region, local_region

test_tenant_region_iso_code_any_case_normalised if {
	transfer.tenant_region == "DE" with input.tenant.region as "de"
	transfer.tenant_region == "FR" with input.tenant.region as " Fr "
	transfer.tenant_region == "EU" with input.tenant.region as "eu"
	transfer.tenant_region == "EEA" with input.tenant.region as "Eea"
}

test_tenant_region_not_a_code_unrecognised if {
	not transfer.tenant_region with input.tenant.region as "eu-west-1"
	not transfer.tenant_region with input.tenant.region as "UK" # the United Kingdom is GB
	not transfer.tenant_region with input.tenant.region as "XX"
	not transfer.tenant_region with input.tenant.region as ""
	not transfer.tenant_region with input.tenant.region as "DEU"
	not transfer.tenant_region with input.tenant.region as 49
	not transfer.tenant_region with input.tenant.region as ["DE"]
}

test_local_region_normalised if {
	transfer.local_region == "CH" with input.destinations.local.region as "ch"
}

test_local_region_unrecognised if {
	not transfer.local_region with input.destinations.local.region as "eu-central-1"
}

# gdpr_applies

test_gdpr_applies_eea_tenants if {
	transfer.gdpr_applies with input.tenant.region as "DE"
	transfer.gdpr_applies with input.tenant.region as "no" # EEA, not EU
	transfer.gdpr_applies with input.tenant.region as "EU"
}

test_gdpr_applies_unrecognised_region_most_protective if {
	transfer.gdpr_applies with input.tenant.region as "Europe"
}

test_gdpr_applies_third_country_tenant_not if {
	not transfer.gdpr_applies with input.tenant.region as "US"
	not transfer.gdpr_applies with input.tenant.region as "CH"
}

# provider_regions

test_provider_regions_normalised if {
	transfer.provider_regions == ["US", "JP"] with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["us", "JP"], "scc")
}

test_provider_regions_empty_undefined if {
	not transfer.provider_regions with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider([], "scc")
}

test_provider_regions_missing_undefined if {
	not transfer.provider_regions with input.destinations.external.provider as "p"
		with data.privacy.providers.p as {"name": "x"}
}

test_provider_regions_not_a_list_undefined if {
	not transfer.provider_regions with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider("US", "scc")
}

test_provider_regions_any_unrecognised_undefined if {
	not transfer.provider_regions with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["FR", "us-east-1"], "scc")
}

test_provider_regions_unlisted_provider_undefined if {
	not transfer.provider_regions with input.destinations.external.provider as "unlisted"
}

# third_countries, transfer_needed

test_third_countries_outside_eea if {
	transfer.third_countries == {"US", "JP"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["US", "FR", "JP", "EU"], "scc")
}

test_transfer_needed_eu_tenant_third_country if {
	transfer.transfer_needed with input.tenant.region as "EU"
		with input.destinations.external.provider as "openai"
}

test_transfer_needed_eea_provider_not if {
	not transfer.transfer_needed with input.tenant.region as "EU"
		with input.destinations.external.provider as "mistral"
}

test_transfer_needed_third_country_tenant_not if {
	not transfer.transfer_needed with input.tenant.region as "US"
		with input.destinations.external.provider as "openai"
}

# mechanism, certified

test_mechanism_known_tools_only if {
	transfer.mechanism == "scc" with input.destinations.external.provider as "openai"
	not transfer.mechanism with input.destinations.external.provider as "deepseek" # "none"
	not transfer.mechanism with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["US"], "magic")
}

test_certified_only_true if {
	transfer.certified with input.destinations.external.provider as "p"
		with data.privacy.providers.p as certified(["US"], "dpf")
	not transfer.certified with input.destinations.external.provider as "p"
		with data.privacy.providers.p as object.union(provider(["US"], "dpf"), {"dpf_certified": "yes"})
}

# covered, uncovered

test_covered_contractual_tools_any_country if {
	transfer.covered == {"CN", "IN"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["CN", "IN"], "scc")
	transfer.covered == {"CN"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["CN", "FR"], "bcr")
}

test_covered_adequacy_commission_list if {
	transfer.covered == {"CH", "JP", "GB", "KR"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["CH", "JP", "GB", "KR", "CN"], "adequacy")
}

test_covered_adequacy_us_needs_certification if {
	count(transfer.covered) == 0 with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["US"], "adequacy")
	transfer.covered == {"US"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as certified(["US"], "adequacy")
}

test_covered_dpf_certified_only if {
	transfer.covered == {"US", "CH"} with input.destinations.external.provider as "p"
		with data.privacy.providers.p as certified(["US", "CH", "CN"], "dpf")
	count(transfer.covered) == 0 with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["US", "CH"], "dpf")
}

test_covered_unknown_condition_not if {
	count(transfer.covered) == 0 with input.destinations.external.provider as "p"
		with data.privacy.providers.p as certified(["ZZ"], "adequacy")
		with data.privacy.regions.codes.ZZ as "Test"
		with data.privacy.adequacy.ZZ as {"name": "Test", "requires": "something-else"}
}

test_uncovered_one_country_enough if {
	transfer.uncovered with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["JP", "CN"], "adequacy")
	not transfer.uncovered with input.destinations.external.provider as "p"
		with data.privacy.providers.p as provider(["JP", "CH", "FR"], "adequacy")
}

# local_safe_haven

test_local_safe_haven_eea_and_adequate if {
	transfer.local_safe_haven with input.destinations.local.region as "EU"
	transfer.local_safe_haven with input.destinations.local.region as "ie"
	transfer.local_safe_haven with input.destinations.local.region as "CH"
}

test_local_safe_haven_elsewhere_not if {
	not transfer.local_safe_haven with input.destinations.local.region as "US" # DPF: certified recipients only
	not transfer.local_safe_haven with input.destinations.local.region as "CN"
	not transfer.local_safe_haven with input.destinations.local.region as "eu-central-1"
}

# The data the rules read.

test_data_eea_member_states_and_areas if {
	count(data.privacy.regions.eea) == 32 # 27 member states, IS, LI, NO, EU, EEA
	every code, _ in data.privacy.regions.eea {
		data.privacy.regions.codes[code]
	}
}

test_data_adequacy_every_entry_a_dated_decision_for_a_third_country if {
	every code, entry in data.privacy.adequacy {
		data.privacy.regions.codes[code]
		not data.privacy.regions.eea[code]
		regex.match(`^\d{4}-\d{2}-\d{2}$`, entry.adopted)
		startswith(entry.decision, "Commission")
	}
}
