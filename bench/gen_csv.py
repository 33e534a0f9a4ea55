#!/usr/bin/env python3
"""Write a synthetic French health export CSV for the breachscope benchmark.

Usage: bench/gen_csv.py OUT.csv [SIZE_MB] [--seed N]

Stdlib only and deterministic: the same size and seed give the same bytes. The file is
';'-separated UTF-8 with a header line, rows end with '\n', and writing stops at the first
row that brings the file to SIZE_MB * 1,000,000 bytes or more. Rows are streamed, never
held in memory. Prints the number of data rows (header excluded) on stdout.

Every value is fictitious: names from small built-in lists, NIRs with a valid key (so the
scanner's nir validator accepts them), phones in the `06 12 34 56 78` style, e-mails on
exemple.fr, CIM-10 codes, medications, and a free-text comment where about 5% of rows
mention an e-mail address or a phone number in prose.
"""
import argparse
import random
import sys
import unicodedata

HEADER = ("nom;prenom;date_naissance;sexe;nir;telephone;email;adresse;code_postal;ville;"
          "ipp;diagnostic_cim10;traitement;commentaire")

LAST_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
]
FIRST_NAMES_M = [
    "Jean", "Pierre", "Michel", "André", "Philippe", "Louis", "Nicolas", "François",
    "Hugo", "Lucas", "Théo", "Jérôme", "Benoît", "Gaël", "Noé", "Raphaël", "Arthur",
    "Étienne", "Olivier", "Mathieu",
]
FIRST_NAMES_F = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Hélène",
    "Chloé", "Léa", "Manon", "Inès", "Zoé", "Camille", "Émilie", "Anaïs", "Julie",
    "Céline", "Agnès", "Sophie", "Margaux",
]
STREET_TYPES = ["rue", "avenue", "boulevard", "chemin", "impasse", "place", "allée", "route"]
STREET_NAMES = [
    "de la Paix", "Victor Hugo", "des Lilas", "du Moulin", "Jean Jaurès", "de la Gare",
    "Pasteur", "des Écoles", "du Général Leclerc", "de la République", "Gambetta",
    "des Tilleuls", "Saint-Exupéry", "du Château", "de Verdun",
]
CITIES = [
    ("75", "Paris"), ("69", "Lyon"), ("13", "Marseille"), ("31", "Toulouse"), ("06", "Nice"),
    ("44", "Nantes"), ("67", "Strasbourg"), ("34", "Montpellier"), ("33", "Bordeaux"),
    ("59", "Lille"), ("35", "Rennes"), ("51", "Reims"), ("42", "Saint-Étienne"),
    ("76", "Le Havre"), ("38", "Grenoble"), ("21", "Dijon"), ("49", "Angers"),
    ("30", "Nîmes"), ("63", "Clermont-Ferrand"), ("17", "La Rochelle"),
]
CIM10 = [
    "E11.9", "I10", "J45.9", "E78.5", "F32.9", "M54.5", "K21.9", "I48.9", "N18.3", "J44.1",
    "E66.9", "G43.9", "C50.9", "I25.1", "F41.1", "E03.9", "M17.1", "K58.9", "L40.0", "B18.2",
    "Z00.0", "R51", "J06.9", "I50.9", "G40.9",
]
MEDICATIONS = [
    "Metformine 850 mg", "Amlodipine 5 mg", "Atorvastatine 20 mg", "Paracétamol 1 g",
    "Lévothyrox 75 µg", "Ramipril 5 mg", "Oméprazole 20 mg", "Salbutamol 100 µg",
    "Bisoprolol 2,5 mg", "Sertraline 50 mg", "Apixaban 5 mg", "Insuline glargine 100 UI/ml",
    "Ibuprofène 400 mg", "Furosémide 40 mg", "Tramadol 50 mg", "Escitalopram 10 mg",
    "Methotrexate 10 mg", "Tamoxifène 20 mg", "Allopurinol 300 mg", "Prednisolone 20 mg",
]
COMMENTS = [
    "RAS", "Patient stable, contrôle dans 3 mois",
    "Bilan sanguin à prévoir avant la prochaine consultation",
    "Observance correcte, tolérance satisfaisante",
    "Adressé par le médecin traitant pour avis spécialisé",
    "Douleurs persistantes malgré le traitement, réévaluation",
    "Allergie connue à la pénicilline",
    "Suivi diététique conseillé, perte de 3 kg depuis la dernière visite",
    "Vaccination à jour",
    "Hospitalisation de jour programmée",
    "Résultats d'imagerie sans particularité",
    "Poursuite du traitement à l'identique",
    "Patient vu en téléconsultation",
    "Renouvellement d'ordonnance",
    "",
]
CONTACT_PROSE_EMAIL = [
    "Le patient souhaite recevoir ses résultats par mail à {email}",
    "Compte rendu envoyé à {email} à la demande de la famille",
    "Nouvelle adresse électronique communiquée : {email}",
]
CONTACT_PROSE_PHONE = [
    "Rappeler la fille du patient au {phone} pour le rendez-vous",
    "Joignable uniquement le matin au {phone}",
    "Personne de confiance : son époux, tél {phone}",
]


def ascii_fold(s):
    """'Lefèvre' -> 'lefevre' for e-mail local parts."""
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).lower().replace(" ", "")


def phone(rng):
    lead = rng.choice(("06", "07", "01", "02", "03", "04", "05", "09"))
    return "%s %02d %02d %02d %02d" % (lead, rng.randrange(100), rng.randrange(100),
                                       rng.randrange(100), rng.randrange(100))


def nir(sex_digit, year, month, rng):
    """A NIR with a valid key: 13-digit body, key = 97 - body % 97 on 2 digits."""
    dept = rng.randint(1, 95)
    body = "%d%02d%02d%02d%03d%03d" % (sex_digit, year % 100, month, dept,
                                       rng.randint(1, 990), rng.randint(1, 999))
    return body + "%02d" % (97 - int(body) % 97)


def cell(s):
    """CSV-quote a field only if it needs it (the built-in lists never do)."""
    if ";" in s or '"' in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output CSV path ('-' for stdout)")
    ap.add_argument("size_mb", nargs="?", type=float, default=200,
                    help="target size in MB (10^6 bytes), default 200")
    ap.add_argument("--seed", type=int, default=20240517, help="random seed")
    a = ap.parse_args()
    if a.size_mb <= 0:
        ap.error("SIZE_MB must be positive")

    rng = random.Random(a.seed)
    target = int(a.size_mb * 1_000_000)
    out = sys.stdout.buffer if a.out == "-" else open(a.out, "wb")
    head = (HEADER + "\n").encode("utf-8")
    out.write(head)
    written = len(head)
    rows = 0
    batch = []
    batch_bytes = 0
    while written < target:
        sex_digit = 1 if rng.random() < 0.5 else 2
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES_M if sex_digit == 1 else FIRST_NAMES_F)
        year = rng.randint(1930, 2020)
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        dept, city = rng.choice(CITIES)
        email = "%s.%s%s@exemple.fr" % (ascii_fold(first), ascii_fold(last),
                                         rng.choice(("", "", str(rng.randint(1, 99)))))
        r = rng.random()
        if r < 0.025:
            comment = rng.choice(CONTACT_PROSE_EMAIL).format(
                email="%s.%s@exemple.fr" % (ascii_fold(rng.choice(FIRST_NAMES_F)),
                                            ascii_fold(rng.choice(LAST_NAMES))))
        elif r < 0.05:
            comment = rng.choice(CONTACT_PROSE_PHONE).format(phone=phone(rng))
        else:
            comment = rng.choice(COMMENTS)
        fields = (
            last.upper() if rng.random() < 0.3 else last,
            first,
            "%02d/%02d/%04d" % (day, month, year),
            "M" if sex_digit == 1 else "F",
            nir(sex_digit, year, month, rng),
            phone(rng),
            email,
            "%d %s %s" % (rng.randint(1, 180), rng.choice(STREET_TYPES),
                          rng.choice(STREET_NAMES)),
            "%s%03d" % (dept, rng.randrange(0, 1000, 10)),
            city,
            "%010d" % rng.randint(1, 9_999_999),
            rng.choice(CIM10),
            rng.choice(MEDICATIONS),
            comment,
        )
        line = (";".join(cell(f) for f in fields) + "\n").encode("utf-8")
        batch.append(line)
        batch_bytes += len(line)
        written += len(line)
        rows += 1
        if batch_bytes >= 1 << 20:
            out.write(b"".join(batch))
            batch.clear()
            batch_bytes = 0
    out.write(b"".join(batch))
    if out is not sys.stdout.buffer:
        out.close()
    print(rows)


if __name__ == "__main__":
    main()
