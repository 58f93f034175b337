# METADATA
# title: GDPR Chapter V facts
# description: >-
#   Regions, the EEA and the Commission's adequacy decisions, from data.privacy
#   (policies/data.json). Regions are ISO 3166-1 alpha-2 codes, or EU / EEA, in any letter case;
#   region() normalises one and is undefined for anything else, which the decision treats as the
#   most protective case. Everything else here is a table of normalised codes, built from data
#   alone (so it is computed once, not per input).
package privacy.transfer

# The normalised region (upper case), undefined for anything that is not a recognised region.
region(value) := code if {
	is_string(value)
	code := upper(trim_space(value))
	known[code]
}

# Every recognised region: the ISO 3166-1 countries and the EU / EEA areas, code -> name.
known := object.union(data.privacy.regions.countries, data.privacy.regions.eea)

# The EU, the EEA and their member states.
eea := object.keys(data.privacy.regions.eea)

# Countries a Commission adequacy decision covers for any recipient.
adequate := {code |
	some code
	decision := data.privacy.adequacy[code]
	not decision.requires
}

# Countries an adequacy decision covers for a recipient certified under it: the above, and those
# whose decision is limited to certified organisations (the EU-US Data Privacy Framework).
adequate_if_certified := adequate | {code |
	some code
	data.privacy.adequacy[code].requires == "dpf"
}

# Where personal data under the GDPR may be kept: inside the EEA or in an adequate country.
safe_havens := eea | adequate

# Transfer tools that cover any third country: standard contractual clauses (Art. 46(2)(c)) and
# binding corporate rules (Art. 47).
contractual := {"scc", "bcr"}
