# METADATA
# title: GDPR Chapter V for one request
# description: >-
#   Where the tenant's data subjects are, where the external provider and the local model process
#   data, and which transfer tool covers a transfer, from the input and data.privacy
#   (policies/data.json). Regions are ISO 3166-1 alpha-2 codes, or EU / EEA, in any letter case;
#   anything else is not recognised and gets the most protective treatment. Everything is a
#   lookup in the data's tables (no table is rebuilt per decision).
package privacy.transfer

# What a region can look like before it is looked up: two or three letters (rego-cpp's upper()
# mangles a backslash, so nothing else reaches it; OPA's regex.match fails on a non-string, so
# is_string comes first).
region_shape := `^\s*[A-Za-z]{2,3}\s*$`

# The tenant's region, normalised; undefined when it is not recognised.
tenant_region := code if {
	is_string(input.tenant.region)
	regex.match(region_shape, input.tenant.region)
	code := upper(trim_space(input.tenant.region))
	data.privacy.regions.codes[code]
}

# The local model's region, normalised; undefined when it is not recognised.
local_region := code if {
	is_string(input.destinations.local.region)
	regex.match(region_shape, input.destinations.local.region)
	code := upper(trim_space(input.destinations.local.region))
	data.privacy.regions.codes[code]
}

# The transfer rules protect an EU/EEA tenant's data subjects, and, the most protective reading,
# those of a tenant whose region is not recognised.
gdpr_applies if data.privacy.regions.eea[tenant_region]

gdpr_applies if not tenant_region

# The external provider's recorded facts.
provider := data.privacy.providers[input.destinations.external.provider]

# Its processing regions, normalised; undefined when none is recorded (no list, an empty list) or
# when any of them is not recognised.
provider_regions := codes if {
	is_array(provider.regions)
	count(provider.regions) > 0
	codes := [code |
		some r in provider.regions
		is_string(r)
		regex.match(region_shape, r)
		code := upper(trim_space(r))
		data.privacy.regions.codes[code]
	]
	count(codes) == count(provider.regions)
}

# Those outside the EEA.
third_countries := {code | some code in provider_regions; not data.privacy.regions.eea[code]}

transfer_needed if {
	gdpr_applies
	count(third_countries) > 0
}

# The provider's transfer tool, if it is one the data knows.
mechanism := provider.transfer_mechanism if data.privacy.transfer_mechanisms[provider.transfer_mechanism]

certified if provider.dpf_certified == true

# The third countries the tool covers. Standard contractual clauses (Art. 46(2)(c)) and binding
# corporate rules (Art. 47) cover any country. An adequacy decision (Art. 45) covers the countries
# on the Commission's list; one limited to certified organisations (the EU-US Data Privacy
# Framework) only for a provider recorded as certified, and "dpf" only for such a provider.
covered contains code if {
	mechanism in {"scc", "bcr"}
	some code in third_countries
}

covered contains code if {
	mechanism == "adequacy"
	some code in third_countries
	decision := data.privacy.adequacy[code]
	not decision.requires
}

covered contains code if {
	mechanism in {"adequacy", "dpf"}
	certified
	some code in third_countries
	decision := data.privacy.adequacy[code]
	not decision.requires
}

covered contains code if {
	mechanism in {"adequacy", "dpf"}
	certified
	some code in third_countries
	data.privacy.adequacy[code].requires == "dpf"
}

# A transfer the recorded tool does not cover.
uncovered if {
	some code in third_countries
	not code in covered
}

# Where personal data under the GDPR may be kept: inside the EEA or in a country an adequacy
# decision covers for any recipient.
local_safe_haven if data.privacy.regions.eea[local_region]

local_safe_haven if {
	decision := data.privacy.adequacy[local_region]
	not decision.requires
}
