#!/usr/bin/env python3
"""bench/gen_ndjson.py OUT.ndjson [SIZE_MB] [--seed N]: a FHIR bulk-export
NDJSON file for bench/run (standard library only, deterministic).

One resource per line: for each fictitious patient a Patient (INS/NIR with a
valid key, name, birth date, gender, phone, e-mail, address), then two
Conditions (ICD-10), one Observation (a lab value) and one
MedicationRequest, each with subject.reference = Patient/<id>. Stops at the
first line that brings the file to SIZE_MB x 10^6 bytes and prints the
number of lines. Every value is made up.
"""
import json
import random
import sys

FAMILY = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND",
          "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID"]
GIVEN_F = ["Marie", "Camille", "Léa", "Manon", "Chloé", "Inès", "Odile", "Hélène"]
GIVEN_M = ["Jean", "Pierre", "Louis", "Hugo", "Lucas", "Théo", "Jean-Claude", "René"]
CITY = [("75011", "Paris"), ("69003", "Lyon"), ("13005", "Marseille"), ("59000", "Lille"),
        ("33000", "Bordeaux"), ("44000", "Nantes"), ("31000", "Toulouse"), ("67000", "Strasbourg")]
STREET = ["rue de la République", "avenue Jean Jaurès", "allée des Peupliers", "place du Marché",
          "boulevard Victor Hugo", "chemin des Vignes"]
ICD = [("E11.9", "Diabète sucré de type 2, sans complication"), ("I10", "Hypertension essentielle"),
       ("J45.9", "Asthme, sans précision"), ("F32.1", "Épisode dépressif moyen"),
       ("I50.9", "Insuffisance cardiaque, sans précision"), ("C50.9", "Tumeur maligne du sein")]
LAB = [("4548-4", "HbA1c", "%", 5.0, 9.5), ("2345-7", "Glucose", "mmol/L", 3.5, 12.0),
       ("2160-0", "Créatinine", "µmol/L", 50, 160)]
MED = ["Metformine 850 mg", "Ramipril 5 mg", "Salbutamol 100 µg", "Sertraline 50 mg",
       "Furosémide 40 mg", "Tamoxifène 20 mg"]


def nir(rng, sex, year, month):
    body = "%d%02d%02d%02d%03d%03d" % (sex, year % 100, month, rng.randint(1, 95),
                                        rng.randint(1, 990), rng.randint(1, 999))
    return body + "%02d" % (97 - int(body) % 97)


def patient(rng, i):
    female = rng.random() < 0.5
    year, month, day = rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    family = rng.choice(FAMILY)
    cp, city = rng.choice(CITY)
    pid = "pat-%07d" % i
    return pid, {
        "resourceType": "Patient", "id": pid,
        "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8",
                        "value": nir(rng, 2 if female else 1, year, month)}],
        "name": [{"family": family, "given": [given]}],
        "gender": "female" if female else "male",
        "birthDate": "%04d-%02d-%02d" % (year, month, day),
        "telecom": [{"system": "phone", "value": "06 %02d %02d %02d %02d" % tuple(
            rng.randint(0, 99) for _ in range(4))},
                    {"system": "email", "value": "%s.%s@exemple.fr" % (
                        given.lower().replace("é", "e").replace("è", "e").replace("ç", "c"),
                        family.lower().replace("è", "e"))}],
        "address": [{"line": ["%d %s" % (rng.randint(1, 120), rng.choice(STREET))],
                     "postalCode": cp, "city": city}],
    }


def resources(rng, i, pid):
    ref = {"reference": "Patient/" + pid}
    out = []
    for k in range(2):
        code, label = rng.choice(ICD)
        out.append({"resourceType": "Condition", "id": "cond-%07d-%d" % (i, k),
                    "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                   "code": "active"}]},
                    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code,
                                         "display": label}]},
                    "subject": ref})
    loinc, name, unit, lo, hi = rng.choice(LAB)
    out.append({"resourceType": "Observation", "id": "obs-%07d" % i, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": name}]},
                "valueQuantity": {"value": round(rng.uniform(lo, hi), 1), "unit": unit},
                "subject": ref})
    out.append({"resourceType": "MedicationRequest", "id": "med-%07d" % i, "status": "active",
                "intent": "order", "medicationCodeableConcept": {"text": rng.choice(MED)},
                "subject": ref})
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = 14
    for a in sys.argv[1:]:
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
    if not args:
        raise SystemExit(__doc__)
    target = int(float(args[1]) * 1e6) if len(args) > 1 else 100 * 10**6
    rng = random.Random(seed)
    size = lines = 0
    with open(args[0], "w", encoding="utf-8", newline="\n") as f:
        i = 0
        while size < target:
            pid, p = patient(rng, i)
            for r in [p] + resources(rng, i, pid):
                line = json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                f.write(line)
                size += len(line.encode("utf-8"))
                lines += 1
                if size >= target:
                    break
            i += 1
    print(lines)


if __name__ == "__main__":
    main()
