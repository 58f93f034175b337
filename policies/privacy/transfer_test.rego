# Tests for privacy.transfer, named after the rule they test: test_<rule>_<case>_<expected>.
package privacy.transfer_test

import data.privacy.transfer

# region

test_region_iso_code_any_case_normalised if {
	transfer.region("de") == "DE"
	transfer.region(" Fr ") == "FR"
	transfer.region("us") == "US"
}

test_region_areas_normalised if {
	transfer.region("eu") == "EU"
	transfer.region("Eea") == "EEA"
}

test_region_cloud_name_unrecognised if not transfer.region("eu-west-1")

test_region_not_iso_unrecognised if {
	not transfer.region("UK") # the United Kingdom is GB
	not transfer.region("XX")
	not transfer.region("")
	not transfer.region("DEU")
}

test_region_non_string_unrecognised if {
	not transfer.region(49)
	not transfer.region(null)
	not transfer.region(["DE"])
}

# known

test_known_countries_and_areas if {
	transfer.known.GB
	transfer.known.CN
	transfer.known.EU
	transfer.known.EEA
}

# eea

test_eea_member_states_and_areas if {
	"DE" in transfer.eea
	"NO" in transfer.eea # EEA, not EU
	"EU" in transfer.eea
	"EEA" in transfer.eea
	count(transfer.eea) == 32 # 27 member states, Iceland, Liechtenstein, Norway, EU, EEA
}

test_eea_third_countries_not if {
	not "US" in transfer.eea
	not "CH" in transfer.eea # adequate, but not in the EEA
	not "GB" in transfer.eea
}

# adequate

test_adequate_commission_list if {
	"CH" in transfer.adequate
	"GB" in transfer.adequate
	"JP" in transfer.adequate
	"KR" in transfer.adequate
}

test_adequate_dpf_country_needs_certification_not if not "US" in transfer.adequate

test_adequate_other_countries_not if {
	not "CN" in transfer.adequate
	not "IN" in transfer.adequate
	not "BR" in transfer.adequate
	not "DE" in transfer.adequate # inside the EEA: no adequacy decision, none needed
}

test_adequate_every_entry_a_dated_decision_for_a_country if {
	every code, entry in data.privacy.adequacy {
		transfer.region(code) == code
		not code in transfer.eea
		regex.match(`^\d{4}-\d{2}-\d{2}$`, entry.adopted)
		startswith(entry.decision, "Commission")
	}
}

# adequate_if_certified

test_adequate_if_certified_adds_dpf_countries if {
	"US" in transfer.adequate_if_certified
	"JP" in transfer.adequate_if_certified
	not "CN" in transfer.adequate_if_certified
}

test_adequate_if_certified_unknown_condition_not if {
	not "ZZ" in transfer.adequate_if_certified with data.privacy.adequacy.ZZ as {"requires": "something-else"}
}

# safe_havens

test_safe_havens_eea_and_adequate if {
	"EU" in transfer.safe_havens
	"IE" in transfer.safe_havens
	"CH" in transfer.safe_havens
}

test_safe_havens_elsewhere_not if {
	not "US" in transfer.safe_havens # the DPF covers certified recipients, not a local model
	not "CN" in transfer.safe_havens
}

# contractual

test_contractual_tools if transfer.contractual == {"scc", "bcr"}
