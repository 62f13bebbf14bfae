# NOTE: since issue 22 (licences, norm sets, wording) the instruments/*.json files
# and the golden cases were edited by hand and by a one-off script: do not rerun this
# generator over them; it would drop the licence records and norm sets.
# Writes tests/cases/*.cases.json. Expected values follow the published
# scoring rules, written out here independently of the definitions.
import os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Golden cases: expected values come from the published rules (written out
# here independently of the definitions), not from the engine.
import json, importlib.util
spec = importlib.util.spec_from_file_location("gen", os.path.join(os.path.dirname(__file__), "build_definitions.py")); g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
OUT = os.path.join(ROOT, 'tests', 'cases')

def spread(total, n, mx, avoid=()):
    """Answers (list of ints) for n items each 0..mx summing to total; items in `avoid` (0-based) stay 0 if possible."""
    vals = [0] * n
    order = [i for i in range(n) if i not in avoid] + [i for i in range(n) if i in avoid]
    left = total
    for i in order:
        v = min(mx, left); vals[i] = v; left -= v
    assert left == 0, (total, n, mx)
    return vals

def band_of(table, t):
    for (bid, lo, hi) in table:
        if lo <= t <= hi: return bid
    raise ValueError(t)

def write(name, definition, cases):
    with open(f"{OUT}/{name}.cases.json", "w") as f:
        json.dump({"definition": definition, "cases": cases}, f, ensure_ascii=False, indent=1); f.write("\n")

def sum_scale(name, n, mx, table, offset=0, critical_item=None, extra=None, code=str):
    # offset: value of the lowest option (K10 options 1-5 -> offset 1).
    cases = []
    bounds = sorted({b for (_, lo, hi) in table for b in (lo, hi)})
    for t in bounds:
        avoid = (critical_item - 1,) if critical_item else ()
        vals = spread(t - n * offset, n, mx, avoid)
        ans = {f"q{i+1}": code(v + offset) for i, v in enumerate(vals)}
        exp = {"scores": {"total": t}, "bands": {"total": band_of(table, t)}, "valid": True}
        if critical_item:
            exp["critical"] = [name_crit] if (vals[critical_item - 1] >= 1) else []
        cases.append({"name": f"total {t} is {band_of(table, t)}", "answers": ans, "expect": exp})
    return cases

# PHQ-9 -------------------------------------------------------------------
PHQ = [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("moderately_severe", 15, 19), ("severe", 20, 27)]
name_crit = "q9_self_harm"
c = sum_scale("phq9", 9, 3, PHQ, critical_item=9)
for i, case in enumerate(c):  # band index in definition order
    b = case["expect"]["bands"]["total"]; case["expect"]["bands"]["total"] = {"id": b, "index": [x[0] for x in PHQ].index(b)}
c += [
 {"name": "item 9 = 1 is critical even at total 1", "fill": "0", "answers": {"q9": "1"},
  "expect": {"scores": {"total": 1}, "bands": {"total": "minimal"}, "critical": ["q9_self_harm"], "feedback_includes": ["phq9.total.minimal.student", "phq9.q9.counsellor"]}},
 {"name": "item 9 = 3 with everything else 0", "fill": "0", "answers": {"q9": "3"}, "expect": {"scores": {"total": 3}, "critical": ["q9_self_harm"]}},
 {"name": "difficulty item is not scored and may be missing", "fill": "1", "answers": {"q9": "0", "q10": "3"}, "expect": {"scores": {"total": 8}, "bands": {"total": "mild"}, "critical": []}},
 {"name": "missing scored item is an error", "fill": "0", "answers": {"q4": None}, "error": "item q4: no answer"},
 {"name": "unknown code is an error", "fill": "0", "answers": {"q2": "4"}, "error": "item q2"},
 {"name": "by value", "by_value": True, "fill": 2, "answers": {"q9": 0}, "expect": {"scores": {"total": 16}, "bands": {"total": "moderately_severe"}, "critical": []}},
]
write("phq9", "phq9", c)

# PHQ-A -------------------------------------------------------------------
SCREEN = [("below_cutoff", 0, 10), ("at_or_above_cutoff", 11, 27)]
c = []
for t in [0, 4, 5, 9, 10, 11, 14, 15, 19, 20, 27]:
    vals = spread(t, 9, 3, avoid=(8,))
    ans = {f"q{i+1}": str(v) for i, v in enumerate(vals)}
    ans.update({"past_year": "no", "past_month_thoughts": "no", "lifetime_attempt": "no"})
    c.append({"name": f"total {t}", "answers": ans, "expect": {"scores": {"total": t}, "bands": {"total": band_of(SCREEN, t), "total.severity": band_of(PHQ, t)},
              "critical": ["q9_self_harm"] if vals[8] else []}})
base_a = {"past_year": "no", "past_month_thoughts": "no", "lifetime_attempt": "no"}
c += [
 {"name": "serious thoughts in the past month are critical at total 0", "fill": "0", "answers": dict(base_a, past_month_thoughts="yes"), "expect": {"scores": {"total": 0}, "critical": ["past_month_thoughts"]}},
 {"name": "lifetime attempt is critical", "fill": "0", "answers": dict(base_a, lifetime_attempt="yes"), "expect": {"critical": ["lifetime_attempt"]}},
 {"name": "all three critical", "fill": "0", "answers": dict(base_a, q9="2", past_month_thoughts="yes", lifetime_attempt="yes"), "expect": {"scores": {"total": 2}, "critical": ["q9_self_harm", "past_month_thoughts", "lifetime_attempt"]}},
 {"name": "past-year item is not scored", "fill": "0", "answers": dict(base_a, past_year="yes"), "expect": {"scores": {"total": 0}, "critical": []}},
]
write("phq-a", "phq-a", c)

# GAD-7 -------------------------------------------------------------------
GAD = [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)]
c = sum_scale("gad7", 7, 3, GAD)
c.append({"name": "difficulty item unscored", "fill": "3", "answers": {"q8": "0"}, "expect": {"scores": {"total": 21}, "bands": {"total": "severe"}}})
write("gad7", "gad7", c)

# K10 / K6 ----------------------------------------------------------------
K10 = [("low", 10, 15), ("moderate", 16, 21), ("high", 22, 29), ("very_high", 30, 50)]
c = sum_scale("k10", 10, 4, K10, offset=1)
c.append({"name": "value 0 is out of range", "by_value": True, "fill": 1, "answers": {"q3": 0}, "error": "item q3"})
write("k10", "k10", c)
K6 = [("below_cutoff", 0, 12), ("at_or_above_cutoff", 13, 24)]
write("k6", "k6", sum_scale("k6", 6, 4, K6))

# CES-D (reverse 4, 8, 12, 16) --------------------------------------------
CESD = [("below_cutoff", 0, 15), ("at_or_above_cutoff", 16, 60)]
REV = {4, 8, 12, 16}
def cesd_answers(scored):
    return {f"q{i+1}": str(3 - v if (i + 1) in REV else v) for i, v in enumerate(scored)}
c = []
for t in [0, 15, 16, 60]:
    scored = spread(t, 20, 3)
    c.append({"name": f"total {t}", "answers": cesd_answers(scored), "expect": {"scores": {"total": t}, "bands": {"total": band_of(CESD, t)}}})
c += [
 {"name": "all answers 0: the four reverse items score 3 each", "fill": "0", "answers": {}, "expect": {"scores": {"total": 12}, "bands": {"total": "below_cutoff"}}},
 {"name": "all answers 3: reverse items score 0", "fill": "3", "answers": {}, "expect": {"scores": {"total": 48}, "bands": {"total": "at_or_above_cutoff"}}},
 {"name": "reverse item 8 at 0 scores 3", "fill": "0", "answers": {"q4": "3", "q12": "3", "q16": "3"}, "expect": {"scores": {"total": 3}}},
]
write("cesd", "cesd", c)

# RSES (Chinese order, reverse 3, 5, 8, 9, 10) ----------------------------
c = [
 {"name": "all strongly disagree", "fill": "1", "answers": {}, "expect": {"scores": {"total": 25}, "bands": {}}},
 {"name": "minimum 10", "answers": {f"q{i}": ("4" if i in (3, 5, 8, 9, 10) else "1") for i in range(1, 11)}, "expect": {"scores": {"total": 10}}},
 {"name": "maximum 40", "answers": {f"q{i}": ("1" if i in (3, 5, 8, 9, 10) else "4") for i in range(1, 11)}, "expect": {"scores": {"total": 40}}},
 {"name": "one reverse item", "fill": "2", "answers": {"q3": "1"}, "expect": {"scores": {"total": 2 * 5 + 3 * 4 + 4}}},
]
write("rses", "rses", c)

# PSS-10 (reverse 4, 5, 7, 8) ---------------------------------------------
c = [
 {"name": "all never", "fill": "0", "answers": {}, "expect": {"scores": {"total": 16}}},
 {"name": "all very often", "fill": "4", "answers": {}, "expect": {"scores": {"total": 24}}},
 {"name": "minimum 0", "answers": {f"q{i}": ("4" if i in (4, 5, 7, 8) else "0") for i in range(1, 11)}, "expect": {"scores": {"total": 0}}},
 {"name": "maximum 40", "answers": {f"q{i}": ("0" if i in (4, 5, 7, 8) else "4") for i in range(1, 11)}, "expect": {"scores": {"total": 40}}},
]
write("pss10", "pss10", c)

# C-SSRS screener ---------------------------------------------------------
N = {"q1": "no", "q2": "no", "q6": "no"}
Y2 = {"q1": "no", "q2": "yes", "q3": "no", "q4": "no", "q5": "no", "q6": "no"}
c = [
 {"name": "all no", "answers": N, "expect": {"classes": {"risk": {"id": "none", "index": 3}}, "critical": [], "feedback_includes": ["cssrs.student.none"]}},
 {"name": "Q1 yes is low", "answers": dict(N, q1="yes"), "expect": {"classes": {"risk": "low"}, "critical": []}},
 {"name": "Q2 yes (Q3-5 no) is low", "answers": Y2, "expect": {"classes": {"risk": "low"}, "critical": []}},
 {"name": "Q3 yes is moderate", "answers": dict(Y2, q3="yes"), "expect": {"classes": {"risk": "moderate"}, "critical": []}},
 {"name": "Q4 yes is high and critical", "answers": dict(Y2, q4="yes"), "expect": {"classes": {"risk": "high"}, "critical": ["q4_intent"]}},
 {"name": "Q5 yes is high and critical", "answers": dict(Y2, q5="yes"), "expect": {"classes": {"risk": "high"}, "critical": ["q5_plan"]}},
 {"name": "Q6 more than 3 months ago is moderate", "answers": dict(N, q6="yes", q6_recent="no"), "expect": {"classes": {"risk": "moderate"}, "critical": []}},
 {"name": "Q6 within 3 months is high and critical", "answers": dict(N, q6="yes", q6_recent="yes"), "expect": {"classes": {"risk": "high"}, "critical": ["q6_recent_behavior"], "feedback_includes": ["cssrs.student.any", "cssrs.counsellor.high"]}},
 {"name": "skip logic: Q3-Q5 hidden when Q2 = no, their answers are ignored", "answers": dict(N, q3="yes", q4="yes", q5="yes"), "expect": {"classes": {"risk": "none"}, "critical": []}},
 {"name": "skip logic: Q3 required when Q2 = yes", "answers": {"q1": "no", "q2": "yes", "q4": "no", "q5": "no", "q6": "no"}, "error": "item q3: no answer"},
 {"name": "skip logic: recent-Q6 required when Q6 = yes", "answers": dict(N, q6="yes"), "error": "item q6_recent: no answer"},
]
write("cssrs-screen", "cssrs-screen", c)

# UPI ---------------------------------------------------------------------
LIE = (5, 20, 35, 50)
SCORED = [i for i in range(1, 61) if i not in LIE]
def upi(total=0, yes=(), aux=(), avoid=(8, 16, 25, 26)):
    a = {f"q{i}": "no" for i in range(1, 65)}
    pool = [i for i in SCORED if i not in avoid]
    for i in pool[:total]: a[f"q{i}"] = "yes"
    for i in list(yes) + list(aux): a[f"q{i}"] = "yes"
    return a
def cls(x): return {"category": x}
UPI_B = [("below_20", 0, 19), ("from_20_to_24", 20, 24), ("from_25", 25, 56)]
c = []
for t, k in [(0, "III"), (19, "III"), (20, "II"), (24, "II"), (25, "I"), (52, "I")]:
    c.append({"name": f"total {t} is category {k}", "answers": upi(t), "expect": {"scores": {"total": t}, "bands": {"total": band_of(UPI_B, t)}, "classes": cls(k), "critical": []}})
c += [
 {"name": "all 56 scored items yes", "answers": upi(0, yes=SCORED), "expect": {"scores": {"total": 56}, "classes": cls("I"), "critical": ["q25_suicidal_thoughts"]}},
 {"name": "item 25 yes is category I and critical at total 1", "answers": upi(0, yes=[25]), "expect": {"scores": {"total": 1}, "classes": cls("I"), "critical": ["q25_suicidal_thoughts"], "feedback_includes": ["upi.counsellor.q25"]}},
 {"name": "item 8 alone is category II", "answers": upi(0, yes=[8]), "expect": {"scores": {"total": 1}, "classes": cls("II")}},
 {"name": "item 16 alone is category II", "answers": upi(3, yes=[16]), "expect": {"scores": {"total": 4}, "classes": cls("II")}},
 {"name": "item 26 alone is category II", "answers": upi(0, yes=[26]), "expect": {"classes": cls("II")}},
 {"name": "two of 8/16/26 is still category II by default", "answers": upi(0, yes=[8, 16]), "expect": {"classes": cls("II")}},
 {"name": "one auxiliary item yes is category II", "answers": upi(0, aux=[61]), "expect": {"scores": {"total": 0, "auxiliary": 1}, "classes": cls("II")}},
 {"name": "two auxiliary items yes is category I", "answers": upi(0, aux=[61, 62]), "expect": {"scores": {"total": 0, "auxiliary": 2}, "classes": cls("I")}},
 {"name": "request for counselling (item 64) is category I", "answers": upi(0, aux=[64]), "expect": {"classes": cls("I")}},
 {"name": "lie items are not scored", "answers": upi(0, yes=[5, 20, 35]), "expect": {"scores": {"total": 0, "lie": 3}, "classes": cls("III"), "valid": True, "flags": []}},
 {"name": "all four lie items yes is flagged", "answers": upi(0, yes=[5, 20, 35, 50]), "expect": {"scores": {"total": 0, "lie": 4}, "valid": True, "flags": ["lie_all_yes"]}},
 {"name": "by value", "by_value": True, "answers": {k: (1 if v == "yes" else 0) for k, v in upi(22).items()}, "expect": {"scores": {"total": 22}, "classes": cls("II")}},
 {"name": "missing item is an error", "answers": dict(upi(0), q40=None), "error": "item q40: no answer"},
]
write("upi", "upi", c)
cv = [
 {"name": "variant: two of 8/16/26 is category I", "answers": upi(0, yes=[8, 16]), "expect": {"classes": cls("I")}},
 {"name": "variant: 16 and 26 is category I", "answers": upi(0, yes=[16, 26]), "expect": {"classes": cls("I")}},
 {"name": "variant: one of 8/16/26 stays category II", "answers": upi(0, yes=[26]), "expect": {"classes": cls("II")}},
 {"name": "variant: default rules still apply", "answers": upi(25), "expect": {"classes": cls("I")}},
]
write("upi_variant", "defs/upi_variant.json", cv)

# SDQ (test definition) ---------------------------------------------------
SUB = {"emotional": [3, 8, 13, 16, 24], "conduct": [5, 7, 12, 18, 22], "hyperactivity": [2, 10, 15, 21, 25], "peer": [6, 11, 14, 19, 23], "prosocial": [1, 4, 9, 17, 20]}
SREV = {7, 11, 14, 21, 25}
def sdq(scores):
    """scores: subscale -> list of 5 scored values (None = missing)."""
    a = {}
    for s, its in SUB.items():
        for i, v in zip(its, scores.get(s, [0] * 5)):
            a[f"q{i}"] = None if v is None else str(2 - v if i in SREV else v)
    return a
T3 = [("normal", 0, 15), ("borderline", 16, 19), ("abnormal", 20, 40)]
T4 = [("close_to_average", 0, 14), ("slightly_raised", 15, 17), ("high", 18, 19), ("very_high", 20, 40)]
c = []
for t in [0, 14, 15, 16, 17, 18, 19, 20, 40]:
    vals = spread(t, 20, 2)
    sc = {"emotional": vals[0:5], "conduct": vals[5:10], "hyperactivity": vals[10:15], "peer": vals[15:20]}
    c.append({"name": f"total difficulties {t}", "answers": sdq(sc), "expect": {"scores": {"total_difficulties": t}, "bands": {"total_difficulties": band_of(T3, t), "total_difficulties.four_band": band_of(T4, t)}}})
c += [
 {"name": "all codes 0: reverse items score 2", "fill": "0", "answers": {}, "expect": {"scores": {"emotional": 0, "conduct": 2, "hyperactivity": 4, "peer": 4, "prosocial": 0, "total_difficulties": 10}}},
 {"name": "prorated: 3 of 5 answered, 4 scaled to 6.67 -> 7", "answers": sdq({"emotional": [2, 2, 0, None, None]}), "expect": {"scores": {"emotional": 7, "total_difficulties": 7}, "bands": {"emotional": "abnormal", "emotional.four_band": "very_high"}, "flags": []}},
 {"name": "prorated: 4 of 5 answered, 5 scaled to 6.25 -> 6", "answers": sdq({"emotional": [2, 2, 1, 0, None]}), "expect": {"scores": {"emotional": 6}, "bands": {"emotional": "borderline", "emotional.four_band": "high"}}},
 {"name": "prorated: peer 3 of 3 answered x 5/3 = 5; conduct 3 x 5/4 = 3.75 -> 4", "answers": sdq({"peer": [2, 1, 0, None, None], "conduct": [1, 1, 1, 0, None]}), "expect": {"scores": {"peer": 5, "conduct": 4}, "bands": {"peer": "borderline", "conduct": "borderline", "conduct.four_band": "slightly_raised"}}},
 {"name": "minimum answered: 2 of 5 leaves the subscale and total unavailable", "answers": sdq({"emotional": [2, 2, None, None, None]}), "expect": {"scores": {"emotional": None, "total_difficulties": None}, "flags": ["insufficient:emotional"]}},
 {"name": "prosocial bands run the other way", "answers": sdq({"prosocial": [1, 1, 1, 1, 0]}), "expect": {"scores": {"prosocial": 4}, "bands": {"prosocial": "abnormal", "prosocial.four_band": "very_low"}}},
 {"name": "prosocial 5 is borderline, 6 normal", "answers": sdq({"prosocial": [2, 2, 2, 0, 0]}), "expect": {"scores": {"prosocial": 6}, "bands": {"prosocial": "normal", "prosocial.four_band": "slightly_lowered"}}},
 {"name": "emotional 5/6 boundary", "answers": sdq({"emotional": [2, 2, 1, 0, 0]}), "expect": {"scores": {"emotional": 5}, "bands": {"emotional": "normal", "emotional.four_band": "slightly_raised"}}},
]
write("sdq", "defs/sdq.json", c)

# SCL-90 (test definition) ------------------------------------------------
F = g.SCL90
def scl(extra_by_factor=None, twos=0, fives=0, factor_cap=True):
    """Build answers: add +1 steps to items while keeping each factor sum below 2n (mean < 2)."""
    v = {i: 1 for i in range(1, 91)}
    return v
def scl_total(target):
    # raise items within each factor up to sum 2n-1 (mean < 2) until the total is reached
    v = {i: 1 for i in range(1, 91)}
    left = target - 90
    for f, its in F.items():
        room = len(its) - 1  # extra allowed in this factor
        for i in its:
            if left <= 0 or room <= 0: break
            add = min(4, room, left); v[i] += add; room -= add; left -= add
    assert left == 0
    return v
def scl_pos(k):
    v = {i: 1 for i in range(1, 91)}
    left = k
    for f, its in F.items():
        for i in its[:-1]:
            if left == 0: break
            v[i] = 2; left -= 1
    assert left == 0
    return v
def ans(v): return {f"q{i}": str(x) for i, x in v.items()}
def count_pos(v): return sum(1 for x in v.values() if x >= 2)
c = [{"name": "all 1: negative, straight-lining flagged", "fill": "1", "answers": {}, "expect": {"scores": {"total": 90, "positive_items": 0, "somatization": 1, "gsi": 1}, "bands": {"somatization": {"id": "below_2", "index": 0}}, "classes": {"screen": "negative"}, "flags": ["straight_lining"], "valid": True}}]
for t in [160, 161]:
    v = scl_total(t)
    c.append({"name": f"total {t}", "answers": ans(v), "expect": {"scores": {"total": t, "positive_items": count_pos(v)}, "bands": {"total": "up_to_160" if t <= 160 else "above_160"},
              "classes": {"screen": "negative" if t <= 160 and count_pos(v) <= 43 else "positive"}, "flags": []}})
for k in [43, 44]:
    v = scl_pos(k)
    c.append({"name": f"{k} positive items", "answers": ans(v), "expect": {"scores": {"positive_items": k, "total": 90 + k}, "bands": {"positive_items": "up_to_43" if k <= 43 else "above_43"}, "classes": {"screen": "negative" if k <= 43 else "positive"}}})
v = {i: 1 for i in range(1, 91)}
for i in F["hostility"]: v[i] = 2
c.append({"name": "a factor mean of exactly 2 is positive", "answers": ans(v), "expect": {"scores": {"hostility": 2, "total": 96}, "bands": {"hostility": {"id": "from_2", "index": 1}}, "classes": {"screen": "positive"}}})
v = {i: 1 for i in range(1, 91)}
for i in F["hostility"][:5]: v[i] = 2
c.append({"name": "a factor mean of 11/6 is not", "answers": ans(v), "expect": {"scores": {"hostility": 1.83, "total": 95}, "bands": {"hostility": "below_2"}, "classes": {"screen": "negative"}}})
v = {i: 5 for i in range(1, 91)}
c.append({"name": "all 5", "answers": ans(v), "expect": {"scores": {"total": 450, "positive_items": 90, "depression": 5}, "bands": {"depression": "from_2"}, "classes": {"screen": "positive"}, "flags": ["straight_lining"]}})
write("scl90", "defs/scl90.json", c)

# MHT (test definition) ---------------------------------------------------
SC = g.MHT_SCALES
def mht(per_scale=None, lie=0):
    a = {f"q{i}": "no" for i in range(1, 101)}
    start = 1
    for name, k in SC:
        n = (per_scale or {}).get(name, 0)
        for i in range(start, start + n): a[f"q{i}"] = "yes"
        start += k
    for i in range(91, 91 + lie): a[f"q{i}"] = "yes"
    return a
def mht_total(t):
    per, left = {}, t
    for name, k in SC:
        n = min(k, left); per[name] = n; left -= n
    return per
def tnorm(total, grade, sex):
    shift = {4: 0, 5: 0, 6: 0, 7: 2, 8: 2, 9: 2, 10: 4, 11: 4, 12: 4}[grade] + (1 if sex == "female" else 0)
    return 30 + 5 * min(total // 10, 8) + shift
c = [
 {"name": "lie 6 is valid", "answers": mht(lie=6), "expect": {"scores": {"lie": 6}, "valid": True, "flags": []}},
 {"name": "lie 7 invalidates", "answers": mht(lie=7), "expect": {"scores": {"lie": 7}, "valid": False, "flags": ["lie_scale"]}},
 {"name": "lie 10 invalidates but scores are still reported", "answers": mht({"learning_anxiety": 9}, lie=10), "expect": {"scores": {"learning_anxiety": 9}, "bands": {"learning_anxiety": "high"}, "valid": False}},
 {"name": "scale 7 is normal", "answers": mht({"loneliness": 7}), "expect": {"scores": {"loneliness": 7}, "bands": {"loneliness": "normal"}}},
 {"name": "scale 8 is high", "answers": mht({"loneliness": 8}), "expect": {"scores": {"loneliness": 8}, "bands": {"loneliness": "high"}}},
 {"name": "too fast (119 s) is flagged", "answers": mht(), "elapsed_seconds": 119, "expect": {"valid": True, "flags": ["too_fast"]}},
 {"name": "120 s is not too fast", "answers": mht(), "elapsed_seconds": 120, "expect": {"flags": []}},
]
for t in [64, 65]:
    c.append({"name": f"content total {t}", "answers": mht(mht_total(t)), "expect": {"scores": {"content_total": t}, "bands": {"content_total": "normal" if t < 65 else "poor"}}})
for t, grade, sex in [(0, 4, "male"), (9, 6, "male"), (10, 6, "male"), (0, 7, "female"), (90, 12, "female"), (89, 12, "male"), (79, 10, "male"), (80, 10, "female")]:
    c.append({"name": f"norm: total {t}, grade {grade}, {sex}", "answers": mht(mht_total(t)), "grade": grade, "sex": sex,
              "expect": {"scores": {"content_total": t}, "norms": {"content_total_t": tnorm(t, grade, sex)}}})
c += [
 {"name": "norm: no grade, no normed score", "answers": mht(mht_total(50)), "sex": "male", "expect": {"norms": {}}},
 {"name": "norm: grade outside the table (3)", "answers": mht(mht_total(50)), "grade": 3, "sex": "male", "expect": {"norms": {}}},
 {"name": "norm: grade outside the table (13)", "answers": mht(mht_total(50)), "grade": 13, "sex": "female", "expect": {"norms": {}}},
 {"name": "norm: sex unknown, no normed score", "answers": mht(mht_total(50)), "grade": 8, "expect": {"norms": {}}},
]
write("mht", "defs/mht.json", c)

# MSSMHS (test definition) ------------------------------------------------
def ms(v): return {f"q{i}": str(x) for i, x in v.items()}
base1 = {i: 1 for i in range(1, 61)}
f0 = [k * 10 + 1 for k in range(6)]  # obsession items
v2 = dict(base1); [v2.__setitem__(i, 3) for i in f0[:3]]  # mean (9+3)/6 = 2
v3 = dict(base1); [v3.__setitem__(i, 2) for i in f0[:5]]  # 11/6
v5 = {i: 5 for i in range(1, 61)}
c = [
 {"name": "all 1", "answers": ms(base1), "expect": {"scores": {"obsession": 1, "overall": 1}, "bands": {"obsession": "normal"}, "classes": {"attention": "none"}}},
 {"name": "factor mean 2 needs attention", "answers": ms(v2), "expect": {"scores": {"obsession": 2, "overall": 1.1}, "bands": {"obsession": {"id": "mild", "index": 1}, "overall": "normal"}, "classes": {"attention": "attention"}}},
 {"name": "factor mean 11/6 does not", "answers": ms(v3), "expect": {"scores": {"obsession": 1.83, "overall": 1.083}, "bands": {"obsession": "normal"}, "classes": {"attention": "none"}}},
 {"name": "all 5 is the top band", "answers": ms(v5), "expect": {"scores": {"depression": 5, "overall": 5}, "bands": {"depression": {"id": "severe", "index": 4}}, "classes": {"attention": "attention"}}},
]
write("mssmhs", "defs/mssmhs.json", c)

# Format features ---------------------------------------------------------
c = [
 {"name": "reverse keys and skip logic: no job, job item hidden", "answers": {"mood": "sa", "mood_rev": "sd", "sleep": "a", "sleep_rev": "d", "worries": "study|friends", "has_job": "no"},
  "expect": {"scores": {"wellbeing": 4 + 4 + 3 + 3, "worry": 5, "mean_mood": 4}, "bands": {"wellbeing": "high"}, "valid": True, "critical": []}},
 {"name": "job item shown and scored when has_job = yes", "answers": {"mood": "sd", "mood_rev": "sa", "sleep": "sd", "sleep_rev": "sa", "worries": "", "has_job": "yes", "job_stress": "sd"},
  "expect": {"scores": {"wellbeing": 5, "worry": 0}, "bands": {"wellbeing": "low"}, "valid": True}},
 {"name": "missing data allowed: a sum with a missing item is unavailable", "answers": {"mood": "a", "mood_rev": "d", "sleep_rev": "d", "has_job": "no"},
  "expect": {"scores": {"wellbeing": None, "mean_mood": 3}, "flags": ["no_worries_no_job", "insufficient:wellbeing", "insufficient:worry"]}},
 {"name": "multi-select critical rule", "answers": {"mood": "a", "mood_rev": "d", "sleep": "a", "sleep_rev": "d", "worries": "family|friends", "has_job": "no"},
  "expect": {"scores": {"worry": 6}, "critical": ["many_worries"]}},
 {"name": "multi-select without family is not critical", "answers": {"mood": "a", "mood_rev": "d", "sleep": "a", "sleep_rev": "d", "worries": "study|friends", "has_job": "no"},
  "expect": {"scores": {"worry": 5}, "critical": []}},
 {"name": "two inconsistent pairs invalidate", "answers": {"mood": "sa", "mood_rev": "sa", "sleep": "sd", "sleep_rev": "sd", "worries": "study", "has_job": "no"},
  "expect": {"valid": False, "flags": ["contradictory"]}},
 {"name": "one inconsistent pair is tolerated", "answers": {"mood": "sa", "mood_rev": "sa", "sleep": "a", "sleep_rev": "d", "worries": "study", "has_job": "no"},
  "expect": {"valid": True, "flags": []}},
 {"name": "unknown multi code is an error", "answers": {"mood": "a", "worries": "study|pets"}, "error": "worries"},
]
write("features", "defs/features.json", c)
print("cases written")
