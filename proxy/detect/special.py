# ruff: noqa: E501  (the lexicons below are data: one line per language reads best)
"""GDPR Art. 9 special categories as entity types of their own (see ``SPECIAL_CATEGORIES``).

A category term (a condition, a faith, an orientation, a party, a union...) counts only when it is
said of a person: a personal anchor (a pronoun, a possessive, a relation such as "colleague" or
"Kollegin", a title, a known given name) stands earlier in the same sentence, and no topic marker
("about", "history of", "über", "sur") stands between them. So "my colleague is a practising
Catholic" is RELIGIOUS_BELIEF while "the Catholic Church's history" and "tell me about diabetes"
are not. Religion and origin terms followed by an institution noun ("Catholic Church") never count.

Terms are regex fragments separated by ``|``; a fragment starting with ``=`` is case-sensitive
(acronyms such as AIDS or SPD). English terms and anchors apply to every language, since English
words appear in chat of every language; the text's own language adds its lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.base import OwnRecognizer
from proxy.detect.names import lexicon

_PARTY = (
    r"(?:labour|tor(?:y|ies)|conservatives?|lib dems?|liberal democrats|greens?|green party|"
    r"reform(?: uk)?|snp|plaid cymru|ukip|afd|cdu|csu|spd|fdp|bsw|die linke|linke|grünen|grüne|"
    r"rassemblement national|rn|front national|lfi|la france insoumise|renaissance|"
    r"les républicains|psoe|pp|podemos|vox|sumar|fratelli d'italia|lega|forza italia|"
    r"movimento 5 stelle|m5s|pd|pvv|vvd|d66|groenlinks|pis|platforma obywatelska|po|ko|"
    r"konfederacj[aęi]|lewic[aęy]|democrats?|republicans?|trump|biden|le pen|macron|meloni|"
    r"mélenchon|zemmour|farage)"
)
TERMS: dict[str, dict[str, str]] = {
    "HEALTH_DATA": {
        "en": r"diabetes|diabetic|type [12] diabetes|cancer|tumou?rs?|leuka?emia|lymphoma|chemo(?:therapy)?|radiotherapy|=HIV(?:[- ]positive)?|=AIDS|hepatitis [ABC]?|depression|depressed|anxiety disorder|panic attacks?|bipolar(?: disorder)?|schizophreni[ac]|psychosis|=PTSD|=ADHD|autism|autistic|dementia|alzheimer'?s?|parkinson'?s?|epilep(?:sy|tic)|seizures|asthma|=COPD|multiple sclerosis|(?:had|suffered) a stroke|heart attack|heart disease|hypertension|high blood pressure|arthritis|crohn'?s(?: disease)?|colitis|c[oe]eliac|allergic to \w+|pregnant|pregnancy|miscarriage|an abortion|=IVF|infertil(?:e|ity)|disabilit(?:y|ies)|(?:physically |mentally )?disabled (?:person|people|employee|child|son|daughter|veteran|worker)|wheelchair|sick leave|sick note|signed off sick|burn-?out|eating disorder|anorexi[ac]|bulimi[ac]|addiction|addicted|alcoholi(?:c|sm)|in rehab|overdosed?|suicidal|self-harm(?:ing)?|insulin|antidepressants?|sertraline|fluoxetine|metformin|methadone|in therapy|therapist|psychiatrist|psychotherapy|had surgery|diagnosed (?:with|as having) \w+(?: \w+)?|medication for \w+|=STDs?|=STIs?|chlamydia|syphilis|gonorrh?o?ea|tested positive|long covid|migraines?|chronic pain|fibromyalgia|obes(?:e|ity)|dialysis|transplant|terminally ill|mental health (?:issues|problems|condition)|mental illness|blood test results|cholesterol levels?",
        "fr": r"diabète|diabétique|cancer|tumeur|leucémie|chimio(?:thérapie)?|=VIH|=sida|hépatite|dépression|dépressi(?:f|ve)|trouble anxieux|bipolaire|schizophrène|schizophrénie|=TDAH|autisme|autiste|démence|alzheimer|parkinson|épilep(?:sie|tique)|asthme|sclérose en plaques|=AVC|infarctus|crise cardiaque|hypertension|arthrite|enceinte|grossesse|fausse couche|avortement|=IVG|=FIV|infertilité|handicapée?|en situation de handicap|fauteuil roulant|arrêt maladie|arrêt de travail|burn-?out|anorexie|boulimie|addiction|alcoolique|alcoolisme|suicidaire|insuline|antidépresseurs?|thérapie|psychiatre|psychothérapie|a été opérée?|chirurgie|diagnostiquée? (?:d'|de |avec )?\w+|traitement (?:contre|pour) \w+|migraines?|obésité|dialyse|greffe|maladie (?:chronique|mentale|de \w+)",
        "de": r"diabetes|diabetiker(?:in)?|zuckerkrank|krebs|krebserkrankung|tumor|leukämie|chemo(?:therapie)?|=HIV(?:-positiv)?|=Aids|hepatitis|depressionen|depression|depressiv|angststörung|panikattacken|bipolar|schizophren(?:ie)?|=PTBS|=ADHS|autismus|autist(?:in)?|autistisch|demenz|alzheimer|parkinson|epilepsie|epileptiker(?:in)?|asthma|multiple sklerose|schlaganfall|herzinfarkt|bluthochdruck|arthritis|schwanger|schwangerschaft|fehlgeburt|abtreibung|schwangerschaftsabbruch|unfruchtbar(?:keit)?|schwerbehindert|behinderung|(?:geistig|körperlich) behindert|rollstuhl|krankgeschrieben|krankschreibung|arbeitsunfähig(?:keit)?|au-bescheinigung|burn-?out|magersucht|bulimie|alkoholkrank|alkoholiker(?:in)?|suchtkrank|suizidal|insulin|antidepressiva|therapie|psychiater(?:in)?|psychotherapie|operiert|diagnostiziert|medikamente gegen \w+|migräne|dialyse|transplantation|in der reha|psychisch krank|chronisch krank",
        "es": r"cáncer de \w+|asma|alzheimer|parkinson|=SIDA|esquizofrenia|trastorno bipolar|=TDAH|epiléptic[oa]|epilepsia|infarto|ictus|hipertensión|operad[oa] de \w+|cirugía|quimio|diálisis|minusválid[oa]|silla de ruedas|fecundación in vitro|depresiv[oa]|burn-?out|adicción|alcohólic[oa]|antidepresivos|de baja|diabetes|diabético|diabética|cáncer|tumor|=VIH|depresión|ansiedad|embarazada|embarazo|aborto|discapacidad|discapacitad[oa]|baja médica|quimioterapia|autismo|epilepsia|esclerosis múltiple|diagnosticad[oa] (?:con |de )?\w+|insulina|terapia|psiquiatra|enfermedad \w+",
        "it": r"asma|alzheimer|parkinson|=AIDS|schizofrenia|disturbo bipolare|=ADHD|epilettic[oa]|infarto|ictus|ipertensione|operat[oa] al \w+|intervento chirurgico|chemio|dialisi|sedia a rotelle|fecondazione assistita|depress[oa]|burn-?out|dipendenza da \w+|alcolista|antidepressivi|certificato medico|diabete|diabetico|diabetica|cancro|tumore|=HIV|depressione|ansia|incinta|gravidanza|aborto|disabilità|disabile|malattia|in malattia|chemioterapia|autismo|epilessia|sclerosi multipla|diagnosticat[oa] (?:con |di )?\w+|insulina|terapia|psichiatra",
        "nl": r"astma|alzheimer|parkinson|=aids|schizofrenie|bipolair|=ADHD|hartaanval|beroerte|hoge bloeddruk|geopereerd|dialyse|rolstoel|=IVF|verslaafd|verslaving|alcoholist|antidepressiva|arbeidsongeschikt|ziek thuis|diabetes|suikerziekte|kanker|tumor|=hiv|depressie|depressief|angststoornis|zwanger|zwangerschap|miskraam|abortus|gehandicapt|handicap|ziekteverlof|ziek gemeld|chemo(?:therapie)?|autisme|epilepsie|multiple sclerose|gediagnosticeerd met \w+|insuline|therapie|psychiater|burn-?out",
        "pl": r"astm[aęy]|alzheimer\w*|parkinson\w*|schizofreni\w+|chorob\w+ dwubiegunow\w+|=ADHD|zawał\w*|udar\w*|nadciśnieni\w+|dializ\w+|wózk\w+ inwalidzk\w+|zapłodnieni\w+ in vitro|wypalenie zawodowe|uzależni\w+|alkoholik\w*|przeciwdepresyjn\w+|chor[ayeu]\w* na \w+|cukrzyc[aęy]|raka?|nowotw[oó]r\w*|=HIV|depresj[aęi]|w ciąży|ciąża|ciążę|poronienie|aborcj[aęi]|niepełnosprawn\w+|zwolnienie lekarskie|=L4|chemioterapi[aęi]|autyzm\w*|padaczk[aęi]|stwardnienie rozsiane|zdiagnozowano|insulin[aęy]|terapi[aęi]|psychiatr\w*",
    },
    "RELIGIOUS_BELIEF": {
        "en": r"(?:(?:devout|practi[cs]ing|observant|born-again) )?(?:catholic|protestant|christian|evangelical|muslim|moslem|jewish|jew|hindu|buddhist|sikh|atheist|agnostic|mormon|anglican|baptist|methodist|lutheran|quaker|pentecostal|scientologist)|jehovah'?s witness|converted to (?:islam|christianity|judaism|buddhism|catholicism)|goes to (?:church|mosque|synagogue|temple)|prays (?:five times|every day|daily)|(?:observes|fasts (?:during|for)) ramadan|wears a (?:hijab|headscarf|kippah|turban|niqab|burqa)|keeps kosher|religious beliefs?|(?:very|deeply) religious",
        "fr": r"(?:(?:fervente?|pratiquante?|croyante?) )?(?:catholique|protestante?|chrétienne?|évangélique|musulmane?|juif|juive|hindoue?|bouddhiste|sikh|athée|agnostique|mormone?)|témoin de jéhovah|convertie? à l'islam|va à la (?:messe|mosquée|synagogue)|porte le voile|fait le ramadan|croyances? religieuses?|très croyante?",
        "de": r"(?:(?:streng|gläubige?r?|praktizierende?r?) )?(?:katholisch|katholik(?:in)?|evangelisch|protestantisch|protestant(?:in)?|christin|muslim(?:in|isch)?|moslem|jude|jüdin|jüdisch|hindu|buddhist(?:in|isch)?|sikh|atheist(?:in)?|agnostiker(?:in)?)|konfessionslos|zeugen? jehovas|zum (?:islam|christentum|judentum|buddhismus) konvertiert|geht in die (?:kirche|moschee|synagoge)|trägt ein kopftuch|fastet im ramadan|kirchensteuer|religiöse überzeugung|sehr gläubig|gläubig",
        "es": r"(?:católic[oa]|protestante|cristian[oa]|evangélic[oa]|musulm[aá]na?|judí[oa]|hindú|budista|ate[oa]|agnóstic[oa])|creyente|testigo de jehová",
        "it": r"(?:cattolic[oa]|protestante|cristian[oa]|evangelic[oa]|musulman[oa]|ebre[oa]|induista|buddista|ate[oa]|agnostic[oa])|credente|testimone di geova",
        "nl": r"katholiek|protestants|christen|christelijk|moslim|islamitisch|joods|jood|hindoe|boeddhist|atheïst|agnost|gelovig|jehova'?s getuige",
        "pl": r"katoli(?:k|czka)|protestant(?:ka)?|chrześcijan(?:in|ka)|muzułman(?:in|ka)|żyd(?:ówka)?|hinduist(?:a|ka)|buddyst(?:a|ka)|ateist(?:a|ka)|agnostyk|wierząc[ya]|praktykując[ya]|świadek jehowy",
    },
    "SEXUAL_ORIENTATION": {
        "en": r"gay|lesbian|bisexual|homosexual|heterosexual|queer|asexual|pansexual|transgender|trans (?:woman|man|person)|non-binary|came out (?:as \w+|to (?:his|her|my|their|our) \w+)|coming out as \w+|same-sex (?:partner|spouse|relationship|couple|marriage)|sexual orientation|sex life",
        "fr": r"gay|gai|lesbienne|bisexuel(?:le)?|homosexuel(?:le)?|hétérosexuel(?:le)?|queer|transgenre|non-binaire|(?:a fait|fait) son coming[- ]out|orientation sexuelle|vie sexuelle",
        "de": r"schwul|lesbisch|lesbe|bisexuell|homosexuell|heterosexuell|queer|transgender|transsexuell|trans-frau|trans-mann|nicht-binär|coming-out|geoutet|sexuelle orientierung|sexualleben",
        "es": r"gay|lesbiana|bisexual|homosexual|transgénero|salió del armario|orientación sexual",
        "it": r"gay|lesbica|bisessuale|omosessuale|transgender|ha fatto coming out|orientamento sessuale",
        "nl": r"homo|homoseksueel|lesbisch|lesbienne|biseksueel|transgender|uit de kast|seksuele geaardheid",
        "pl": r"gejem|gej|lesbijk[aą]|biseksualn\w+|homoseksualn\w+|homoseksualist\w*|transpłciow\w+|orientacj[aęi] seksualn\w+",
    },
    "ETHNIC_ORIGIN": {
        "en": r"=of (?:[A-Z]\w*(?:an|ian|ese|ish|ic|i|ch|ab) )+(?:origin|descent|heritage|ancestry|background)|ethnic(?:ity| origin| minority| background)|=Roma(?:ni)? (?:community|people|family|woman|man|background)|sinti|gypsy|traveller community|=Black (?:man|woman|person|employee|colleague|candidate)|african-american|hispanic|latin[oa]|arab|kurdish|kurd|berber|uyghur|tamil|mixed-race|biracial|indigenous|aboriginal|racial origin",
        "fr": r"=Roms?|d'origine (?:maghrébine?|algérienne?|marocaine?|tunisienne?|turque|africaine?|asiatique|arabe|juive|portugaise?|italienne?|polonaise?|vietnamienne?|chinoise?|sénégalaise?|malienne?|ivoirienne?|camerounaise?|haïtienne?|antillaise?|rom|kurde|étrangère?|immigrée?)|origine ethnique|ethnie|tsigane|gitane?|maghrébine?|arabe|métisse?|kurde|berbère",
        "de": r"\w+(?:isch|anisch|esisch)er (?:herkunft|abstammung)|migrationshintergrund|ethnische[rn]? (?:herkunft|minderheit|zugehörigkeit)|sinti und roma|roma und sinti|sinto|sintiza|=Roma-\w+|kurde|kurdin|kurdisch|\w+stämmig",
        "es": r"de origen (?:\w+an[oa]|\w+í|árabe|gitan[oa]|chin[oa]|extranjer[oa])|etnia|gitan[oa]|árabe",
        "it": r"di origin[ei] (?:\w+an[ao]|\w+in[ao]|\w+es[ei]|arab[ao]|ebraica|stranier[ao]|rom)|etnia|=Rom|sinti|arab[oa]",
        "nl": r"\w+(?:aanse|se|sche) afkomst|etniciteit|=Roma(?:-\w+| gemeenschap)",
        "pl": r"pochodzenia (?:\w+skiego|\w+ckiego)|romk[aą]|cygan(?:ka|em)?",
    },
    "POLITICAL_OPINION": {
        "en": rf"(?:votes?|voted|voting|campaigns?|campaigned) (?:for )?(?:the )?{_PARTY}|supporters? of (?:the )?{_PARTY}|member of (?:the )?{_PARTY}|{_PARTY} (?:voter|supporter|member|activist|candidate)s?|member of the \w+ party|=(?:AfD|CDU|CSU|SPD|FDP|BSW|SNP|UKIP|PSOE|PVV|VVD|PiS|LFI)(?:-\w+)?|communist|socialist|anarchist|fascist|neo-nazi|far-right|far-left|right-wing|left-wing|political (?:views|opinions|beliefs|affiliation)|party member(?:ship)?",
        "fr": rf"(?:vote|votent|voté|votera) (?:pour )?(?:le |la |les )?{_PARTY}|militante? (?:au |à la |de |du |chez )?(?:parti|{_PARTY})|adhérente? (?:du|de la|au) (?:parti|{_PARTY})|encartée?|sympathisante? (?:du |de la )?{_PARTY}|communiste|socialiste|anarchiste|d'extrême[- ](?:droite|gauche)|opinions? politiques?",
        "de": rf"(?:wählt|wähle|wählen|gewählt) (?:die |den )?{_PARTY}|hat (?:die )?{_PARTY} gewählt|{_PARTY}-wähler(?:in)?|parteimitglied|mitglied (?:der|in der) (?:partei|{_PARTY})|anhänger(?:in)? der {_PARTY}|kommunist(?:in)?|sozialist(?:in)?|anarchist(?:in)?|rechtsextrem|linksextrem|politische (?:einstellung|überzeugung|meinung)",
        "es": rf"(?:vota|votó|votar) (?:a |al |por )?(?:el |la )?{_PARTY}|afiliad[oa] al (?:partido|{_PARTY})|militante del? {_PARTY}|comunista|socialista|de extrema (?:derecha|izquierda)",
        "it": rf"(?:vota|votato|votare) (?:per )?{_PARTY}|iscritt[oa] al (?:partito|{_PARTY})|comunista|socialista|di estrema (?:destra|sinistra)",
        "nl": rf"stemt (?:op )?(?:de )?{_PARTY}|heeft op (?:de )?{_PARTY} gestemd|lid van de (?:partij|{_PARTY})|communist|socialist|extreemrechts|extreemlinks",
        "pl": rf"głosuje na {_PARTY}|głosował[a]? na {_PARTY}|członki?e?(?:m|ni[ąa]) partii|komunist\w*|socjalist\w*|skrajnie prawicow\w+",
    },
    "TRADE_UNION_MEMBERSHIP": {
        "en": r"trade union|labou?r union|union member(?:ship)?|member of (?:the|a) union|union rep(?:resentative)?|shop steward|unioni[sz]ed|union representation|member of (?:unite|unison|the gmb|gmb|usdaw|the rcn)|=(?:Unison|GMB|TUC|RCN|Usdaw)|joined the union",
        "fr": r"syndicat|syndiquée?|délégué(?:e)? syndical(?:e)?|=(?:CGT|CFDT|FO|UNSA|CFTC|CFE-CGC|SUD)|force ouvrière",
        "de": r"gewerkschaft(?:smitglied|lich organisiert)?|=(?:IG Metall|DGB|GEW|IG BCE|EVG|GDL|GdL|NGG)|ver\.di",
        "es": r"sindicato|afiliad[oa] al sindicato|delegad[oa] sindical|=(?:CCOO|UGT)|comisiones obreras",
        "it": r"sindacato|iscritt[oa] al sindacato|delegat[oa] sindacale|=(?:CGIL|CISL|UIL)",
        "nl": r"vakbond(?:slid)?|=(?:FNV|CNV)",
        "pl": r"związ(?:ek|ku) zawodow\w+|=(?:Solidarność|OPZZ)",
    },
    "GENETIC_DATA": {
        "en": r"dna (?:test|results|sample|profile)|genetic (?:test(?:ing)?|results|predisposition|disorder|marker|condition|mutation|profile)|genome sequencing|=BRCA[12]?(?: mutation| gene| positive)?|gene mutation|carrier of the \w+ gene|=23andMe|ancestrydna",
        "fr": r"test (?:adn|génétique)|mutation génétique|prédisposition génétique|analyse génétique",
        "de": r"gentest|dn[as]-test|genetische (?:veranlagung|disposition|untersuchung|analyse)|genmutation",
        "es": r"prueba de adn|test genético|mutación genética",
        "it": r"test del dna|test genetico|mutazione genetica",
        "nl": r"dna-test|genetische test|genmutatie",
        "pl": r"badanie dna|test genetyczny|mutacj[aęi] genetyczn\w+",
    },
    "BIOMETRIC_DATA": {
        "en": r"fingerprints?|face scans?|facial (?:recognition|scan|template|geometry)|iris scans?|retina(?:l)? scans?|voice ?prints?|biometric (?:data|template|profile|scan|identifiers?)|palm prints?",
        "fr": r"empreintes? digitales?|reconnaissance faciale|scan de l'iris|données biométriques|empreinte vocale",
        "de": r"fingerabdr(?:uck|ücke)|gesichtserkennung|iris-?scan|biometrische (?:daten|merkmale)|stimmprofil",
        "es": r"huellas? dactilar(?:es)?|reconocimiento facial|datos biométricos",
        "it": r"impronte? digitali?|riconoscimento facciale|dati biometrici",
        "nl": r"vingerafdruk(?:ken)?|gezichtsherkenning|biometrische gegevens",
        "pl": r"odcisk(?:i)? palc(?:a|ów)|rozpoznawani[ae] twarzy|dane biometryczne",
    },
}

ANCHORS: dict[str, str] = {
    "en": r"i|i'm|i’m|i've|i'd|me and|my|mine|myself|he|she|he's|she's|his|her|hers|himself|herself|colleague|coworker|co-worker|employee|staff member|patient|client|customer|wife|husband|partner|boyfriend|girlfriend|fiancée?|son|daughter|mother|mom|mum|father|dad|brother|sister|friend|boss|manager|neighbou?r|candidate|applicant|tenant|student|child|kid|uncle|aunt|cousin|grandmother|grandfather|grandma|grandpa|mr|mrs|ms|dr|team member|direct report",
    "fr": r"je|j'ai|j’ai|j'|mon|ma|mes|moi|il|elle|son|sa|ses|collègue|salariée?|employée?|patiente?|cliente?|femme|mari|conjointe?|compagne|compagnon|fils|fille|mère|père|frère|sœur|soeur|amie?|cheffe?|voisine?|candidate?|enfant|oncle|tante|m\.|mme|monsieur|madame",
    "de": r"ich|mein|meine|meinem|meinen|meiner|mir|mich|er|sie|sein|seine|seinem|seinen|seiner|ihr|ihre|ihrem|ihren|ihrer|kollege|kollegin|mitarbeiter|mitarbeiterin|patient|patientin|kunde|kundin|frau|mann|ehefrau|ehemann|partner|partnerin|freund|freundin|sohn|tochter|mutter|vater|bruder|schwester|chef|chefin|nachbar|nachbarin|bewerber|bewerberin|kind|onkel|tante|herr|herrn",
    "es": r"yo|mi|mis|me|tengo|estoy|soy|sufro|padezco|necesito|tomo|él|ella|su|sus|compañer[oa]|emplead[oa]|paciente|cliente|espos[oa]|marido|mujer|hij[oa]|madre|padre|herman[oa]|amig[oa]|jef[ea]|vecin[oa]|candidat[oa]|señor|señora|sr|sra",
    "it": r"io|mio|mia|miei|mie|mi|ho|sono|soffro|prendo|devo|lui|lei|suo|sua|suoi|collega|dipendente|paziente|cliente|moglie|marito|figli[oa]|madre|padre|fratello|sorella|amic[oa]|capo|vicin[oa]|candidat[oa]|signor|signora",
    "nl": r"ik|mijn|hij|zij|ze|zijn|haar|collega|werknemer|medewerker|patiënt|klant|vrouw|man|echtgeno(?:ot|te)|zoon|dochter|moeder|vader|broer|zus|vriend|vriendin|baas|buurman|buurvrouw|kandidaat|meneer|mevrouw",
    "pl": r"ja|jestem|mam|choruję|biorę|muszę|mój|moja|moje|mojego|mojej|mnie|on|ona|jest|ma|jego|jej|kolega|koleżanka|pracownik|pracownica|pacjent|pacjentka|klient|klientka|żona|mąż|syn|córka|matka|mama|ojciec|tata|brat|siostra|przyjaciel|przyjaciółka|szef|szefowa|sąsiad|sąsiadka|kandydat|pan|pani",
}
TOPIC: dict[str, str] = {
    "en": r"about|on the|regarding|summary|summari[sz]e|latest|research|news|presentation|covers|app|system|software|tool|platform|product|feature|service|program(?:me)?|policy|initiative|event|history|explain|what is|what are|why do|how do|article|essay|lecture|course|book|statistics|research|study|studies|documentary|wikipedia|policy on|definition|symptoms of|treatment of|prevalence",
    "fr": r"sur|au sujet|concernant|histoire|expliquer|explique|qu'est-ce|article|cours|livre|statistiques|étude|symptômes",
    "de": r"über|zum thema|geschichte|erkläre|erklären|was ist|artikel|vortrag|buch|statistik|studie|symptome",
    "es": r"sobre|acerca|historia|explica|qué es|artículo|libro|estadísticas|estudio|síntomas",
    "it": r"riguardo|storia|spiega|cos'è|articolo|libro|statistiche|studio|sintomi",
    "nl": r"over|geschiedenis|uitleg|wat is|artikel|boek|statistieken|onderzoek|symptomen",
    "pl": r"historia|wyjaśnij|czym jest|artykuł|książka|statystyki|badanie|objawy",
}
INSTITUTION = re.compile(
    r"\s*(?:'s\s+)?(?:church|churches|kirche|église|iglesia|chiesa|kerk|kościół|cathedral|diocese|"
    r"school|schule|école|university|universität|hospital|krankenhaus|charity|tradition|theology|"
    r"doctrine|holidays?|festival|calendar|architecture|art|history|countries|world|population|"
    r"communities|quarter|cuisine|food|restaurant|music|literature|studies|empire|dynasty|era|"
    r"council|parliament|faith schools?|mission|order|monastery|mosque|synagogue|temple)\b",
    re.IGNORECASE,
)
# A term followed by one of these names a topic, not a person's condition or belief.
TOPIC_AFTER = re.compile(
    r"\s*(?:research|statistics|prevention|awareness|campaigns?|apps?|systems?|software|"
    r"technolog(?:y|ies)|month|events?|polic(?:y|ies)|networks?|groups?|rights|charit(?:y|ies)|"
    r"foundations?|institutes?|day|week|market|industry|sector|studies|study|trials?|conference|"
    r"products?|datasets?|forschung|statistik|prävention|kampagne|recherche|statistiques|"
    r"prévention|campagne|investigación|estadísticas|prevención|ricerca|statistiche|prevenzione|"
    r"onderzoek|statistieken|preventie|badania|statystyki|profilaktyka)\b",
    re.IGNORECASE,
)
_TITLE_BEFORE = re.compile(
    r"\b(?:(?:mr|mrs|ms|dr|herr|herrn|frau|mme|sr|sra|pan|pani)\.?|m\.)\s+$", re.I
)
_PROPER_NEXT = re.compile(r"\s+[A-ZÀ-Þ][a-zß-ÿ]+")
_WORD_BEFORE = re.compile(r"([A-ZÀ-Þ][a-zß-ÿ]+)\s+$")


def _given_name_before(text: str, start: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, start - 40), start)
    return m is not None and m.group(1) in lexicon()[0]


_SENTENCE_END = re.compile(r"[.!?;\n]\s|[\n]")


def _compile(fragments: Iterable[str], flags: int) -> re.Pattern[str] | None:
    frags = [f for f in fragments if f]
    if not frags:
        return None
    return re.compile(rf"(?<![\w-])(?:{'|'.join(frags)})(?![\w-])", flags)


class SpecialCategoryRecognizer(OwnRecognizer):
    """One Art. 9 category in one language (plus English), anchored to a person."""

    def __init__(self, category: str, language: str) -> None:
        # English is also the fallback for texts whose language is unsure: it carries every
        # lexicon, and every language's anchors but Polish ones ("on", "ma", "my" are English).
        langs = list(TERMS[category]) if language == "en" else ["en", language]
        anchor_langs = [x for x in ANCHORS if x != "pl"] if language == "en" else langs
        # Every language's terms in one pattern (acronyms in a case-sensitive group): one scan of
        # the text, instead of two per language.
        ci: list[str] = []
        cs: list[str] = []
        for lang in langs:
            for frag in _top_level(TERMS[category].get(lang) or ""):
                if frag.startswith("="):
                    cs.append(frag[1:])
                elif frag:
                    ci.append(frag)
        alts = [f"(?i:{_by_first_char(ci, True)})"] if ci else []
        alts += [f"(?:{_by_first_char(cs, False)})"] if cs else []
        self.terms = _compile(alts, 0)
        self.anchor = _compile([ANCHORS[x] for x in anchor_langs if x in ANCHORS], re.IGNORECASE)
        self.topic = _compile([TOPIC[x] for x in langs if x in TOPIC], re.IGNORECASE)
        self.category = category
        super().__init__(category, language, f"Special_{category}_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out: list[RecognizerResult] = []
        if self.terms is None:
            return out
        for m in self.terms.finditer(text):
            if _TITLE_BEFORE.search(text, max(0, m.start() - 8), m.start()):
                continue  # a surname such as "Herr Krebs"
            if m.group()[0].isupper() and _given_name_before(text, m.start()):
                continue  # a surname such as "Jennifer Gay"
            if TOPIC_AFTER.match(text, m.end()):
                continue  # "cancer research", "depression statistics"
            if self.category in ("RELIGIOUS_BELIEF", "ETHNIC_ORIGIN") and (
                INSTITUTION.match(text, m.end())
                or (m.group()[0].isupper() and _PROPER_NEXT.match(text, m.end()))
            ):
                continue  # "Catholic Church", "Christian Müller", "Jewish Museum"
            if self._anchored(text, m.start(), m.end()):
                out.append(RecognizerResult(self.category, m.start(), m.end(), 0.85))
        return out

    def _anchored(self, text: str, start: int, end: int) -> bool:
        sent_start = 0
        for sm in _SENTENCE_END.finditer(text, 0, start):
            sent_start = sm.end()
        window_start = max(sent_start, start - 120)
        anchors = list(self.anchor.finditer(text, window_start, start)) if self.anchor else []
        firsts, _ = lexicon()
        names = [
            w
            for w in re.finditer(r"\b[A-ZÀ-Þ][a-zß-ÿ]+\b", text[window_start:start])
            if w.group() in firsts
        ]
        if not anchors and not names:
            # "le test ADN de mon père": an anchor shortly after, and no topic marker before.
            sent_end = _SENTENCE_END.search(text, end)
            stop = min(end + 40, sent_end.start() if sent_end else len(text))
            after = self.anchor.search(text, end, stop) if self.anchor else None
            return after is not None and not (
                self.topic and self.topic.search(text, sent_start, start)
            )
        last = max([a.end() for a in anchors] + [window_start + w.end() for w in names])
        return not (self.topic and self.topic.search(text, last, start))


def _by_first_char(fragments: list[str], ignore_case: bool) -> str:
    """The fragments as one alternation, grouped behind a one-character lookahead by their first
    letter: at each word the regex engine tries the dozen terms that can start there, not all
    several hundred. Fragments that do not start with a plain letter form a group of their own."""
    groups: dict[str | None, list[str]] = {}
    for f in fragments:
        first = f[0] if f[0].isalpha() and (len(f) == 1 or f[1] not in "?*{") else None
        if first is not None and ignore_case:
            first = first.lower()
        groups.setdefault(first, []).append(f)
    parts = [f"(?={re.escape(k)})(?:{'|'.join(v)})" for k, v in groups.items() if k is not None]
    parts += ["|".join(groups[None])] if None in groups else []
    return "|".join(parts)


def _top_level(src: str) -> list[str]:
    """Split a regex on its top-level ``|`` only."""
    parts, depth, cur = [], 0, []
    for ch in src:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def special_recognizers(languages: Iterable[str]) -> list[EntityRecognizer]:
    return [SpecialCategoryRecognizer(cat, lang) for lang in languages for cat in TERMS]
