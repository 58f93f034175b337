"""Regenerate lexicon.json from Faker's locale data.

Run by hand: ``python -m proxy.detect.data.make_lexicon``.

world_given_names, world_surnames: of every Latin-script Faker locale (Iceland to Nigeria, Japan
in its romanized names), minus stop words of the supported languages and the words above: a token
the NER model tags as an entity of any kind counts as a name part when it is one of these.

first_names: given names of European locales, minus those that are also common words, places or
technology names (ambiguous_first_names: those count only before a known surname, after a title, or
by the NER model). surnames: family names of the same locales. public_figures: historical
figures and fictional characters, named in prompts as topics, never a data subject. not_names:
countries, large cities, months and weekdays in several languages: never a PERSON on their own.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import faker.providers.person
import spacy
from faker import Faker

from proxy.config import DETECTION_LANGUAGES

LOCALES = [
    "en_GB",
    "en_US",
    "en_IE",
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "fr_CH",
    "es_ES",
    "it_IT",
    "nl_NL",
    "nl_BE",
    "pl_PL",
    "pt_PT",
    "sv_SE",
    "da_DK",
    "cs_CZ",
    "fi_FI",
]
AMBIGUOUS = """May Will Mark Bill Art Don Guy June April August Grace Hope Joy Rose Summer Dawn
Faith Iris Lily Ruby Pearl Amber Crystal Jade Ray Rich Sky Sunny Chance Chase Chip Christian
Constance
Destiny Drew Earl Frank Gene Glen Herb Holly Hunter Ivy Jack Jay Lane Max Miles Misty Page Pat
Patience Penny Price Reed Rob Rod Sandy Skip Stone Violet Wade Ward West Young Julia Ada Pascal
Alexa Siri Mercedes Claude Jesus Jesús Christ Mai Ernst Wolf Claire Blanche Rosa Luz Paz Dolores
Pilar Soledad Consuelo Gloria Victoria Flor Reyes Gioia Sole Roos Angel Ángel Angelo Dominique
Noel Noël Pascale Sol Marina Natividad Rocío Aurora Aurelia Fortunato Benedetto Marino Cruz
Trinidad Concepción Asunción Esperanza Remedios Milagros Salvador Jordan Israel Kenya Chelsea
Sydney Austin Florence Georgia Virginia Carolina Dakota India Jersey Devon Cheyenne Paris London
Berlin Lorraine Normandie Savoie Valencia Elba Ebro Rhein Main Lima Viena Roma Sofia Nancy Orlando
Tyler Cameron Harper Mason Taylor Parker Carter Cooper Hunter Porter Baker Fisher Miller Bishop
Gay Dick Randy Fanny Prince King Duke Earl Baron Major General Sterling Royal Justice Liberty
Unity Harmony Melody Serenity Honor Trinity Heaven Genesis Eden Nova Luna Stella Marian Saint Santa
Lou Mo Al Ed Bo Ty Jo Di Vi Li Eve German English French Spanish Italian Dutch Polish""".split()
# Software, products and assistants named like people: a lone mention in a prompt is the product.
TECHNOLOGY = """Cassandra Jasmine Travis Hugo Jenkins Django Karma Mocha Apollo Ember Electron
Celery Gatsby Jekyll Sphinx Maven Kafka Presto Consul Nomad Helm Argo Envoy Grafana Kibana
Ansible Puppet
Siri Cortana Gemini Llama Mistral Falcon Copilot Bard Alexa Phoenix Rails Laravel Drupal Magento
Stripe Heroku Sentry Jira Slack Zoom Notion Figma Linear Docker Vue Svelte Angular Elm Dart Kotlin
Scala Groovy Perl Lua Haskell Erlang Elixir Clojure Swift Rust Logan Atom Emacs Tomcat Jetty
Quarkus Spring Hibernate Jackson Lombok Mockito Selenium Cypress Jest Chai Sinon Enzyme Webpack
Rollup Parcel Babel Gulp Grunt Yarn Deno Bun Express Nest Next Nuxt Remix Astro Eleventy Sanity
Strapi Ghost Shopify Odoo Sage Xero Oracle Hana Watson Einstein Tableau Looker Airflow Dagster
Prefect Pandas Polars Keras Caffe Theano Ollama Cohere Claude Aria Jarvis Cody Devin Otto
Milo""".split()
# Software and technology words that start sentences' capitalized nouns in prompts: never a name,
# and the NER model need not read them.
TECH_WORDS = """Python Java JavaScript TypeScript Kotlin Scala Ruby Perl Rust Golang Haskell Linux
Windows Ubuntu Debian Fedora Android Kubernetes Docker PostgreSQL Postgres MySQL MongoDB Redis
Kafka Elasticsearch Nginx Apache Spark Hadoop Terraform Ansible Jenkins GitHub GitLab Bitbucket
Jira Confluence Slack Excel PowerPoint Outlook Azure Google Chrome Firefox Safari React Angular
Svelte Django Flask Rails Spring Quarkus Node Deno Webpack Babel Pandas NumPy SciPy TensorFlow
PyTorch Keras OpenAI ChatGPT Llama Claude Gemini Mistral Copilot Grafana Prometheus Kibana Helm
Istio Envoy GraphQL Swift Unix Bash Git Maven Gradle Oracle Salesforce Snowflake Databricks
Airflow Tableau Jupyter Numpy Matplotlib Celery Redux Nextjs Laravel Symfony Wordpress Shopify
Magento Stripe Twilio Heroku Vercel Netlify Sentry Datadog Splunk Vault Consul Nomad""".split()
# Historical figures (long dead, so not anyone's personal data under the GDPR) that prompts name
# as topics: "Einstein's theory", "a poem in the style of Goethe". Full names, and single names
# only where nobody alive is likely to carry them (not Bach, Marx, Kant, Newton...).
_FIGURES = """Albert Einstein|Isaac Newton|Galileo Galilei|Nicolaus Copernicus|Marie Curie|
Charles Darwin|Louis Pasteur|Nikola Tesla|Thomas Edison|James Clerk Maxwell|Alan Turing|
Ada Lovelace|Leonhard Euler|Carl Friedrich Gauss|Blaise Pascal|René Descartes|Pythagoras|
Archimedes|Euclid|
Aristotle|Plato|Socrates|Immanuel Kant|Friedrich Nietzsche|Karl Marx|Sigmund Freud|Adam Smith|
John Maynard Keynes|William Shakespeare|Jane Austen|Charles Dickens|Oscar Wilde|Virginia Woolf|
George Orwell|Johann Wolfgang von Goethe|Friedrich Schiller|Thomas Mann|Franz Kafka|Hermann Hesse|
Bertolt Brecht|Victor Hugo|Molière|Voltaire|Jean-Jacques Rousseau|Honoré de Balzac|Gustave Flaubert|
Marcel Proust|Albert Camus|Jean-Paul Sartre|Miguel de Cervantes|Federico García Lorca|
Gabriel García Márquez|Dante Alighieri|Alessandro Manzoni|Giovanni Boccaccio|Niccolò Machiavelli|
Umberto Eco|Adam Mickiewicz|Fryderyk Chopin|Frédéric Chopin|Wolfgang Amadeus Mozart|
Ludwig van Beethoven|Johann Sebastian Bach|Richard Wagner|Giuseppe Verdi|Antonio Vivaldi|
Leonardo da Vinci|Michelangelo|Raphael|Rembrandt|Rembrandt van Rijn|Vincent van Gogh|Pablo Picasso|
Claude Monet|Salvador Dalí|Frida Kahlo|Antoni Gaudí|Johannes Vermeer|Napoleon Bonaparte|Napoleon|
Julius Caesar|Alexander the Great|Charlemagne|Queen Victoria|Winston Churchill|Charles de Gaulle|
Otto von Bismarck|Abraham Lincoln|George Washington|Martin Luther King|Martin Luther|Nelson Mandela|
Mahatma Gandhi|Joan of Arc|Christopher Columbus|Marco Polo|Florence Nightingale|Mother Teresa|
Pope John Paul II|John Paul II|Einstein|Shakespeare|Goethe|Mozart|Beethoven|Picasso|Gaudí|
Dickens|Tolstoy|Leo Tolstoy|Dostoevsky|Fyodor Dostoevsky|Machiavelli|Copernicus|Galileo|Nietzsche|
Michelangelo|Rembrandt|Chopin|Harry Potter|Sherlock Holmes|Don Quixote"""
PUBLIC_FIGURES = _FIGURES.replace("\n", "").split("|")
WORD_SURNAMES = """Day Power Green Brown White Black Church Hall Wood King Young Long Little Hill
Lane Bell Field Bank Banks Ford Street Park Parks Stone Gold Rich Sharp Cook Baker Mills Price
Cross Lake Rivers Rock Fox Wolf Bird Swan Moon Star Sun Snow Frost Rain Storm Winter Summer Spring
Law Justice Best Good Love Hope Strong Short Sweet Wise Gay Story Case Page Post Fine Nice Bond
Mercedes Golf Jordan Chase Grant Mark Bill Money Cash Coin Key Keys Miles Page Ward West North
South East Grace Faith Joy""".split()
MONTHS_DAYS = """January February March April May June July August September October November
December Monday Tuesday Wednesday Thursday Friday Saturday Sunday Januar Februar März Mai Juni Juli
Oktober
Dezember Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Janvier Février Mars Avril Juin
Juillet Août Septembre Octobre Novembre Décembre Lundi Mardi Mercredi Jeudi Vendredi Samedi
Dimanche Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre
Lunes Martes Miércoles Jueves Viernes Sábado Domingo Gennaio Febbraio Aprile Maggio Giugno Luglio
Settembre Ottobre Dicembre Lunedì Martedì Mercoledì Giovedì Venerdì Sabato Januari Februari Maart
Mei Augustus Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag Styczeń Luty Marzec
Kwiecień Maj Czerwiec Lipiec Sierpień Wrzesień Październik Listopad Grudzień Poniedziałek Wtorek
Środa Czwartek Piątek Sobota Niedziela Christmas Easter Ramadan Weihnachten Ostern Noël Pâques
Navidad Natale Pasqua Kerstmis Pasen English German French Spanish Italian Dutch Polish
Portuguese Swedish Danish Norwegian Finnish Czech Greek Turkish Russian Chinese Japanese Korean
Arabic Hindi Hebrew Latin Irish Scottish Welsh British American Canadian Australian European
African Asian""".split()
CITIES = """London Paris Berlin Madrid Rome Roma Milan Milano Munich München Hamburg Cologne Köln
Frankfurt Stuttgart Vienna Wien Zurich Zürich Geneva Genève Brussels Bruxelles Amsterdam Rotterdam
Utrecht Lyon Marseille Toulouse Nice Nantes Lille Bordeaux Barcelona Valencia Seville Sevilla
Bilbao Naples Napoli Turin Torino Florence Firenze Venice Venezia Bologna Warsaw Warszawa Krakow
Kraków Gdansk Gdańsk Wrocław Poznań Lisbon Lisboa Porto Dublin Edinburgh Manchester Birmingham
Glasgow Liverpool Leeds Bristol Oxford Cambridge Prague Praha Budapest Stockholm Copenhagen Oslo
Helsinki Athens Dresden Leipzig Hannover Bremen Düsseldorf Dortmund Essen Nuremberg Nürnberg
Salzburg Innsbruck Graz Antwerp Antwerpen Ghent Gent Luxembourg Strasbourg Montpellier Rennes
Grenoble Malaga Málaga Zaragoza Palermo Genoa Genova Verona Padua Padova Trieste Łódź Lodz
Eindhoven Groningen Delft Leiden Haarlem Hague Washington Chicago Boston Seattle Austin Denver
Jordan Victoria Sydney Melbourne Toronto Vancouver Montreal Tokyo Beijing Shanghai Dubai Georgia
Chelsea Devon Kent Essex Surrey Bavaria Bayern Brittany Bretagne Provence Tuscany Toscana
Catalonia Catalunya Andalusia Silesia Flanders Wallonia Europe Africa Asia America""".split()


def _latin(name: str) -> bool:
    return all(c in "-'’" or (c.isalpha() and ord(c) < 0x250) for c in name)


_GIVEN = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
          "first_romanized_names")  # fmt: skip
_FAMILY = ("last_names", "last_romanized_names")


def world_names(attrs: tuple[str, ...]) -> set[str]:
    """Given names (or surnames) of every Faker locale, in Latin script."""
    names: set[str] = set()
    for mod in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        for attr in attrs:
            value = provider.__dict__.get(attr)
            if isinstance(value, (dict, list, tuple, set, frozenset)):
                names |= {n for n in value if isinstance(n, str) and _latin(n)}
    return names


def main() -> None:
    firsts: set[str] = set()
    lasts: set[str] = set()
    places: set[str] = set(CITIES)
    for loc in LOCALES:
        fake = Faker(loc)
        for p in fake.providers:
            mod = type(p).__module__
            if ".person." in mod:
                for attr in ("first_names", "first_names_male", "first_names_female"):
                    firsts |= set(getattr(p, attr, None) or ())
                lasts |= set(getattr(p, "last_names", None) or ())
            if ".address." in mod:
                for attr in ("countries",):
                    places |= {c for c in (getattr(p, attr, None) or ()) if " " not in c}
    not_names = places | set(MONTHS_DAYS) | set(TECH_WORDS)
    ambiguous = set(AMBIGUOUS) | set(TECHNOLOGY) | not_names
    names = sorted(
        n for n in firsts if n.replace("-", "").isalpha() and len(n) >= 3 and n not in ambiguous
    )

    def plain(n: str) -> bool:
        return n.replace("-", "").isalpha() and len(n) >= 3

    ambiguous_names = sorted(n for n in firsts if plain(n) and n in ambiguous)
    surnames = sorted(
        n for n in lasts if plain(n) and n[0].isupper() and n not in ambiguous | set(WORD_SURNAMES)
    )
    stop = {w.lower() for x in DETECTION_LANGUAGES for w in spacy.blank(x).Defaults.stop_words}
    def worldly(names: set[str]) -> list[str]:
        return sorted(
            n
            for n in names
            if plain(n) and n[0].isupper() and n.lower() not in stop and n not in ambiguous
        )

    world_given = worldly(world_names(_GIVEN))
    world_family = worldly(world_names(_FAMILY) - set(WORD_SURNAMES))
    out = Path(__file__).with_name("lexicon.json")
    out.write_text(
        json.dumps(
            {
                "first_names": names,
                "ambiguous_first_names": sorted(
                    set(ambiguous_names) | set(AMBIGUOUS) | set(TECHNOLOGY)
                ),
                "surnames": surnames,
                "not_names": sorted(not_names),
                "public_figures": sorted(PUBLIC_FIGURES),
                "places": sorted(places),
                "world_given_names": world_given,
                "world_surnames": world_family,
            },
            ensure_ascii=False,
            indent=0,
        )
    )
    print(f"{len(names)} first names, {len(surnames)} surnames -> {out}")


if __name__ == "__main__":
    main()
