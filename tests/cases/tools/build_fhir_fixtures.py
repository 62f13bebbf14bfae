# Writes tests/cases/fhir/*: LOINC-style PHQ-9 / GAD-7 Questionnaires and a
# QuestionnaireResponse, shaped like those published by LOINC-based tools.
import os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
import json
LOINC = "http://loinc.org"
ANS = [("LA6568-5", "Not at all", 0), ("LA6569-3", "Several days", 1), ("LA6570-1", "More than half the days", 2), ("LA6571-9", "Nearly every day", 3)]
DIFF = [("LA6572-7", "Not difficult at all"), ("LA6573-5", "Somewhat difficult"), ("LA6575-0", "Very difficult"), ("LA6574-3", "Extremely difficult")]
ORD = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
CALC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"

def choice(code, text, weighted=True, on_coding=False):
    opts = []
    for c, d, w in ANS:
        o = {"valueCoding": {"system": LOINC, "code": c, "display": d}}
        if weighted:
            ext = [{"url": ORD, "valueDecimal": w}]
            if on_coding: o["valueCoding"]["extension"] = ext
            else: o["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-optionPrefix", "valueString": str(w)}] + ext
        opts.append(o)
    return {"type": "choice", "code": [{"system": LOINC, "code": code, "display": text}], "required": False,
            "linkId": "/" + code, "text": text, "answerOption": opts}

def difficulty():
    return {"type": "choice", "code": [{"system": LOINC, "code": "69722-7"}], "required": False, "linkId": "/69722-7",
            "text": "How difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?",
            "answerOption": [{"valueCoding": {"system": LOINC, "code": c, "display": d}} for c, d in DIFF]}

def total(code, text, links):
    expr = "iif(" + " and ".join(f"%{l}.exists()" for l in links) + ", " + " + ".join(f"%{l}" for l in links) + ", {})"
    return {"type": "decimal", "code": [{"system": LOINC, "code": code, "display": text}], "readOnly": True, "linkId": "/" + code, "text": text,
            "extension": [{"url": CALC, "valueExpression": {"description": "Total score calculation", "language": "text/fhirpath", "expression": expr}}]}

phq = [("44250-9", "Little interest or pleasure in doing things"), ("44255-8", "Feeling down, depressed, or hopeless"),
       ("44259-0", "Trouble falling or staying asleep, or sleeping too much"), ("44254-1", "Feeling tired or having little energy"),
       ("44251-7", "Poor appetite or overeating"), ("44258-2", "Feeling bad about yourself-or that you are a failure or have let yourself or your family down"),
       ("44252-5", "Trouble concentrating on things, such as reading the newspaper or watching television"),
       ("44253-3", "Moving or speaking so slowly that other people could have noticed. Or the opposite-being so fidgety or restless that you have been moving around a lot more than usual"),
       ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself in some way")]
q_phq = {"resourceType": "Questionnaire", "id": "44249-1-x", "status": "draft",
         "meta": {"profile": ["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|2.7"], "tag": [{"code": "lformsVersion: 25.0.0"}]},
         "title": "PHQ-9 quick depression assessment panel", "name": "PHQ-9 quick depression assessment panel",
         "identifier": [{"system": LOINC, "value": "44249-1"}], "code": [{"system": LOINC, "code": "44249-1", "display": "PHQ-9 quick depression assessment panel"}],
         "subjectType": ["Patient", "Person"],
         "copyright": "Copyright © Pfizer Inc. All rights reserved. Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
         "item": [{"type": "group", "linkId": "/44249-1", "text": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
                   "item": [choice(c, t) for c, t in phq] + [total("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]", [f"a{i}" for i in range(9)]), difficulty()]}]}

gad = [("69725-0", "Feeling nervous, anxious or on edge"), ("68509-9", "Not being able to stop or control worrying"),
       ("69733-4", "Worrying too much about different things"), ("69734-2", "Trouble relaxing"),
       ("69735-9", "Being so restless that it is hard to sit still"), ("69689-8", "Becoming easily annoyed or irritable"),
       ("69736-7", "Feeling afraid as if something awful might happen")]
q_gad = {"resourceType": "Questionnaire", "id": "69737-5", "status": "active", "name": "GAD7", "title": "Generalized anxiety disorder 7 item (GAD-7)",
         "url": "http://loinc.org/q/69737-5", "language": "en",
         "code": [{"system": LOINC, "code": "69737-5"}],
         "item": [choice(c, t, on_coding=True) for c, t in gad] +
                 [total("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]", [f"a{i}" for i in range(7)]), difficulty()]}
# A second GAD-7 publication style: a contained value set carrying the weights.
q_gad_vs = {"resourceType": "Questionnaire", "id": "gad7-vs", "status": "active", "name": "gad7_valueset", "title": "GAD-7 (contained value set)",
            "contained": [{"resourceType": "ValueSet", "id": "LL358-3", "status": "active",
                           "compose": {"include": [{"system": LOINC, "concept": [
                               {"code": c, "display": d, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value", "valueDecimal": w}]} for c, d, w in ANS]}]}}],
            "item": [{"linkId": c, "text": t, "type": "choice", "required": True, "answerValueSet": "#LL358-3"} for c, t in gad]}

def qr(links, codes):
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": "Questionnaire/44249-1-x",
            "item": [{"linkId": "/44249-1", "item": [{"linkId": l, "answer": [{"valueCoding": {"system": LOINC, "code": c}}]} for l, c in zip(links, codes)]
                      + [{"linkId": "/44261-6", "answer": [{"valueDecimal": 14}]}]}]}

codes = ["LA6570-1", "LA6570-1", "LA6569-3", "LA6569-3", "LA6570-1", "LA6569-3", "LA6571-9", "LA6568-5", "LA6569-3"]  # 2+2+1+1+2+1+3+0+1 = 13
for name, obj in [("phq9-loinc.questionnaire.json", q_phq), ("gad7-loinc.questionnaire.json", q_gad), ("gad7-valueset.questionnaire.json", q_gad_vs),
                  ("phq9-loinc.response.json", qr(["/" + c for c, _ in phq], codes))]:
    with open(os.path.join(ROOT, "tests", "cases", "fhir", name), "w") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1); f.write("\n")
print("ok")
