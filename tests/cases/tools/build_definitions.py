# NOTE: since issue 22 (licences, norm sets, wording) the instruments/*.json files
# and the golden cases were edited by hand and by a one-off script: do not rerun this
# generator over them; it would drop the licence records and norm sets.
# Writes instruments/*.json (bundled) and, with --tests, tests/cases/defs/*.json.
# The JSON files are the source of truth once written; this script documents
# how they were laid out and regenerates them consistently.
import os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
import json, sys, os
OUT = os.path.join(ROOT, 'instruments')
def T(zh, en): return {"zh-CN": zh, "en": en}
def write(defn, path=None):
    path = path or os.path.join(OUT, defn['id'] + '.json')
    with open(path, 'w') as f:
        json.dump(defn, f, ensure_ascii=False, indent=1)
        f.write('\n')
def bands(spec):
    return [{"id": i, "min": a, "max": b, "label": T(zh, en)} for (i, a, b, zh, en) in spec]

FREQ4 = [
 {"code": "0", "value": 0, "text": T("完全不会", "Not at all")},
 {"code": "1", "value": 1, "text": T("好几天", "Several days")},
 {"code": "2", "value": 2, "text": T("一半以上的天数", "More than half the days")},
 {"code": "3", "value": 3, "text": T("几乎每天", "Nearly every day")},
]
DIFF = [
 {"code": "0", "value": 0, "text": T("没有困难", "Not difficult at all")},
 {"code": "1", "value": 1, "text": T("有些困难", "Somewhat difficult")},
 {"code": "2", "value": 2, "text": T("非常困难", "Very difficult")},
 {"code": "3", "value": 3, "text": T("极度困难", "Extremely difficult")},
]
SUPPORT_LOW = T("谢谢你认真完成这份问卷。继续保持规律作息，多和信任的人交流，照顾好自己。",
                "Thank you for completing this questionnaire. Keep up regular routines, stay in touch with people you trust, and take care of yourself.")
SUPPORT_MID = T("谢谢你认真作答。最近你可能经历了一些压力或不顺心的事，这很常见。如果愿意，可以找学校的心理老师聊一聊，他们很乐意倾听。",
                "Thank you for your honest answers. You may have been going through some stress lately, which is common. If you like, the school's counsellor is glad to listen and talk with you.")
SUPPORT_HIGH = T("谢谢你愿意分享自己的感受。最近你可能承受了不少压力，你并不孤单。学校心理老师会主动和你联系，你也可以随时预约或拨打页面上的求助热线。",
                 "Thank you for sharing how you feel. You may have been carrying a lot lately, and you are not alone. A school counsellor will get in touch with you, and you can book a talk or call the helplines shown on this page at any time.")

def band_feedback(prefix, score, band_ids, levels, counsellor):
    fb = []
    for bid, lvl in zip(band_ids, levels):
        fb.append({"key": f"{prefix}.{score}.{bid}.student", "audience": "student",
                   "when": {"band": score, "is": bid}, "text": lvl})
    for bid, text in counsellor:
        fb.append({"key": f"{prefix}.{score}.{bid}.counsellor", "audience": "counsellor",
                   "when": {"band": score, "is": bid}, "text": text})
    return fb

def phq9():
    texts = [
     ("做事时提不起劲或没有兴趣", "Little interest or pleasure in doing things"),
     ("感到心情低落、沮丧或绝望", "Feeling down, depressed, or hopeless"),
     ("入睡困难、睡不安稳或睡眠过多", "Trouble falling or staying asleep, or sleeping too much"),
     ("感觉疲倦或没有活力", "Feeling tired or having little energy"),
     ("食欲不振或吃太多", "Poor appetite or overeating"),
     ("觉得自己很糟，或觉得自己很失败，或让自己或家人失望", "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down"),
     ("对事物专注有困难，例如阅读报纸或看电视时", "Trouble concentrating on things, such as reading the newspaper or watching television"),
     ("动作或说话速度缓慢到别人已经察觉？或正好相反，烦躁或坐立不安、动来动去的情况更胜于平常", "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so fidgety or restless that you have been moving around a lot more than usual"),
     ("有不如死掉或用某种方式伤害自己的念头", "Thoughts that you would be better off dead or of hurting yourself in some way"),
    ]
    items = [{"id": f"q{i+1}", "type": "single", "options": "freq4", "text": T(zh, en)} for i, (zh, en) in enumerate(texts)]
    items.append({"id": "q10", "type": "single", "options": "difficulty", "required": False,
                  "text": T("如果你发现自己有如上症状，它们影响到你的工作、料理家务或与他人相处的困难程度是？",
                            "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?")})
    ids = [f"q{i}" for i in range(1, 10)]
    b = bands([
        ("minimal", 0, 4, "无或极轻微（0–4）", "None–minimal (0–4)"),
        ("mild", 5, 9, "轻度（5–9）", "Mild (5–9)"),
        ("moderate", 10, 14, "中度（10–14）", "Moderate (10–14)"),
        ("moderately_severe", 15, 19, "中重度（15–19）", "Moderately severe (15–19)"),
        ("severe", 20, 27, "重度（20–27）", "Severe (20–27)"),
    ])
    fb = band_feedback("phq9", "total", [x["id"] for x in b],
        [SUPPORT_LOW, SUPPORT_MID, SUPPORT_MID, SUPPORT_HIGH, SUPPORT_HIGH],
        [("minimal", T("PHQ-9 总分 0–4：无或极轻微抑郁症状。", "PHQ-9 0–4: none–minimal depressive symptoms.")),
         ("mild", T("PHQ-9 总分 5–9：轻度抑郁症状，建议关注并择期复查。", "PHQ-9 5–9: mild depressive symptoms; watchful waiting, repeat at follow-up.")),
         ("moderate", T("PHQ-9 总分 10–14：中度抑郁症状，建议访谈复核。", "PHQ-9 10–14: moderate depressive symptoms; follow-up interview advised.")),
         ("moderately_severe", T("PHQ-9 总分 15–19：中重度抑郁症状，建议尽快访谈复核并考虑转介。", "PHQ-9 15–19: moderately severe depressive symptoms; prompt interview and consider referral.")),
         ("severe", T("PHQ-9 总分 20–27：重度抑郁症状，建议立即访谈并转介专业机构。", "PHQ-9 20–27: severe depressive symptoms; immediate interview and referral."))])
    fb.append({"key": "phq9.q9.counsellor", "audience": "counsellor", "when": {"item": "q9", "op": ">=", "value": 1},
               "text": T("第 9 题（自伤或轻生念头）非零：无论总分高低，请当天进行安全评估。", "Item 9 (thoughts of death or self-harm) is non-zero: assess safety the same day, whatever the total.")})
    return {
     "format": "xinqiao-instrument/1", "id": "phq9", "version": "1.0.0", "languages": ["zh-CN", "en"],
     "title": T("患者健康问卷抑郁量表（PHQ-9）", "Patient Health Questionnaire (PHQ-9)"),
     "instructions": T("在过去的两周里，你生活中以下症状出现的频率有多少？", "Over the last 2 weeks, how often have you been bothered by any of the following problems?"),
     "provenance": {
       "citation": "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16(9):606-613.",
       "licence": "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
       "source_version": "PHQ-9 (Pfizer), English and Chinese (simplified) versions",
       "validation": "Wang W et al. Gen Hosp Psychiatry 2014;36(5):539-544; Chen S et al. Asia Pac Psychiatry 2013;5(2):61-68.",
       "wording_status": "published",
       "notes": "Item 10 (functional difficulty) is not scored. Item 9 >= 1 is a critical item whatever the total."},
     "option_sets": {"freq4": FREQ4, "difficulty": DIFF},
     "items": items,
     "scores": [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": ids, "bands": b}],
     "critical": [{"id": "q9_self_harm", "item": "q9", "when": {"item": "q9", "op": ">=", "value": 1}, "urgency": "urgent",
                   "label": T("自伤或轻生念头", "Thoughts of death or self-harm")}],
     "feedback": fb,
    }

GENS = {"phq9": phq9}

def base(id_, title, instr, prov, option_sets, items, scores, **kw):
    d = {"format": "xinqiao-instrument/1", "id": id_, "version": kw.pop("version", "1.0.0"), "languages": ["zh-CN", "en"],
         "title": title}
    if instr: d["instructions"] = instr
    d["provenance"] = prov
    if option_sets: d["option_sets"] = option_sets
    d["items"] = items
    if kw.get("missing"): d["missing"] = kw.pop("missing")
    d["scores"] = scores
    for k in ["norms", "classes", "critical", "validity", "feedback"]:
        if kw.get(k): d[k] = kw[k]
    return d

def items_from(texts, opts, prefix="q", reverse=(), start=1):
    out = []
    for i, (zh, en) in enumerate(texts):
        n = i + start
        it = {"id": f"{prefix}{n}", "type": "single", "options": opts, "text": T(zh, en)}
        if n in reverse: it["reverse"] = True
        out.append(it)
    return out

def phqa():
    texts = [
     ("感到心情低落、沮丧、烦躁或绝望", "Feeling down, depressed, irritable, or hopeless?"),
     ("做事时提不起劲或没有兴趣", "Little interest or pleasure in doing things?"),
     ("入睡困难、睡不安稳或睡眠过多", "Trouble falling asleep, staying asleep, or sleeping too much?"),
     ("食欲不振、体重减轻或吃太多", "Poor appetite, weight loss, or overeating?"),
     ("感觉疲倦或没有活力", "Feeling tired, or having little energy?"),
     ("觉得自己很糟，或觉得自己很失败，或让自己或家人失望", "Feeling bad about yourself \u2014 or feeling that you are a failure, or that you have let yourself or your family down?"),
     ("对事物专注有困难，例如做功课、阅读或看电视时", "Trouble concentrating on things like school work, reading, or watching TV?"),
     ("动作或说话速度缓慢到别人已经察觉？或正好相反，烦躁或坐立不安、动来动去的情况更胜于平常", "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so fidgety or restless that you were moving around a lot more than usual?"),
     ("有不如死掉或用某种方式伤害自己的念头", "Thoughts that you would be better off dead, or of hurting yourself in some way?"),
    ]
    items = items_from(texts, "freq4")
    items += [
     {"id": "past_year", "type": "yes_no", "text": T("在过去一年中，你是否大多数日子都感到抑郁或难过，即使有时感觉还好？", "In the past year have you felt depressed or sad most days, even if you felt okay sometimes?")},
     {"id": "difficulty", "type": "single", "options": "difficulty", "required": False, "text": T("如果你有上述任何问题，这些问题在多大程度上影响了你完成功课、料理家务或与他人相处？", "If you are experiencing any of the problems on this form, how difficult have these problems made it for you to do your work, take care of things at home or get along with other people?")},
     {"id": "past_month_thoughts", "type": "yes_no", "text": T("在过去一个月里，你是否曾认真地想过结束自己的生命？", "Has there been a time in the past month when you have had serious thoughts about ending your life?")},
     {"id": "lifetime_attempt", "type": "yes_no", "text": T("在你的一生中，你是否曾经尝试过结束自己的生命或有过自杀行为？", "Have you EVER, in your WHOLE LIFE, tried to kill yourself or made a suicide attempt?")},
    ]
    screen = [{"id": "below_cutoff", "min": 0, "max": 10, "label": T("低于界值（0–10）", "Below cut-off (0–10)")},
              {"id": "at_or_above_cutoff", "min": 11, "max": 27, "label": T("达到界值（≥ 11）", "At or above cut-off (>= 11)")}]
    severity = bands([("minimal", 0, 4, "无或极轻微（0–4）", "None–minimal (0–4)"), ("mild", 5, 9, "轻度（5–9）", "Mild (5–9)"),
                      ("moderate", 10, 14, "中度（10–14）", "Moderate (10–14)"), ("moderately_severe", 15, 19, "中重度（15–19）", "Moderately severe (15–19)"),
                      ("severe", 20, 27, "重度（20–27）", "Severe (20–27)")])
    fb = [
     {"key": "phq-a.total.below_cutoff.student", "audience": "student", "when": {"band": "total", "is": "below_cutoff"}, "text": SUPPORT_LOW},
     {"key": "phq-a.total.at_or_above_cutoff.student", "audience": "student", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": SUPPORT_HIGH},
     {"key": "phq-a.total.at_or_above_cutoff.counsellor", "audience": "counsellor", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": T("PHQ-A 总分 ≥ 11（Richardson 2010 界值）：建议访谈复核。", "PHQ-A total >= 11 (Richardson 2010 cut-off): follow-up interview advised.")},
     {"key": "phq-a.suicide.counsellor", "audience": "counsellor", "when": {"any": [{"item": "q9", "op": ">=", "value": 1}, {"item": "past_month_thoughts", "is": "yes"}, {"item": "lifetime_attempt", "is": "yes"}]}, "text": T("第 9 题非零或自杀相关问题回答“是”：无论总分高低，请当天进行安全评估。", "Item 9 non-zero or yes to a suicide question: assess safety the same day, whatever the total.")},
    ]
    return base("phq-a", T("青少年患者健康问卷（PHQ-A）", "PHQ-9 modified for Adolescents (PHQ-A)"),
        T("在过去两周里，以下每种情况困扰你的频率如何？请选择最符合你感受的答案。", "How often have you been bothered by each of the following symptoms during the past two weeks? For each symptom choose the answer that best describes how you have been feeling."),
        {"citation": "Johnson JG, Harris ES, Spitzer RL, Williams JBW. The Patient Health Questionnaire for Adolescents. J Adolesc Health 2002;30(3):196-204. Cut-off: Richardson LP et al. Evaluation of the PHQ-9 item for detecting major depression among adolescents. Pediatrics 2010;126(6):1117-1123.",
         "licence": "PHQ family (Pfizer): no permission required to reproduce, translate, display or distribute.",
         "source_version": "PHQ-A (PHQ-9 modified for teens)", "wording_status": "translation",
         "notes": "English is the published wording; the Chinese text is a faithful translation to be replaced by an official one. Items past_year and difficulty are not scored; q9 >= 1 or yes to either suicide question is critical."},
        {"freq4": FREQ4, "difficulty": DIFF}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 10)], "bands": screen,
          "band_sets": [{"id": "severity", "bands": severity}]}],
        critical=[
         {"id": "q9_self_harm", "item": "q9", "when": {"item": "q9", "op": ">=", "value": 1}, "urgency": "urgent", "label": T("自伤或轻生念头", "Thoughts of death or self-harm")},
         {"id": "past_month_thoughts", "item": "past_month_thoughts", "when": {"item": "past_month_thoughts", "is": "yes"}, "urgency": "urgent", "label": T("近一个月认真想过结束生命", "Serious thoughts of ending life in the past month")},
         {"id": "lifetime_attempt", "item": "lifetime_attempt", "when": {"item": "lifetime_attempt", "is": "yes"}, "urgency": "urgent", "label": T("曾有自杀尝试", "Lifetime suicide attempt")}],
        feedback=fb)

def gad7():
    texts = [("感觉紧张、焦虑或急切", "Feeling nervous, anxious, or on edge"),
             ("不能够停止或控制担忧", "Not being able to stop or control worrying"),
             ("对各种各样的事情担忧过多", "Worrying too much about different things"),
             ("很难放松下来", "Trouble relaxing"),
             ("由于不安而无法静坐", "Being so restless that it is hard to sit still"),
             ("变得容易烦恼或急躁", "Becoming easily annoyed or irritable"),
             ("感到似乎将有可怕的事情发生而害怕", "Feeling afraid, as if something awful might happen")]
    items = items_from(texts, "freq4")
    items.append({"id": "q8", "type": "single", "options": "difficulty", "required": False,
                  "text": T("如果你发现自己有如上症状，它们影响到你的工作、料理家务或与他人相处的困难程度是？", "If you checked any problems, how difficult have they made it for you to do your work, take care of things at home, or get along with other people?")})
    b = bands([("minimal", 0, 4, "无或极轻微（0–4）", "Minimal (0–4)"), ("mild", 5, 9, "轻度（5–9）", "Mild (5–9)"),
               ("moderate", 10, 14, "中度（10–14）", "Moderate (10–14)"), ("severe", 15, 21, "重度（15–21）", "Severe (15–21)")])
    fb = band_feedback("gad7", "total", [x["id"] for x in b], [SUPPORT_LOW, SUPPORT_MID, SUPPORT_HIGH, SUPPORT_HIGH],
        [("minimal", T("GAD-7 总分 0–4：无或极轻微焦虑症状。", "GAD-7 0–4: minimal anxiety symptoms.")),
         ("mild", T("GAD-7 总分 5–9：轻度焦虑症状，建议关注。", "GAD-7 5–9: mild anxiety symptoms; monitor.")),
         ("moderate", T("GAD-7 总分 10–14：中度焦虑症状（≥ 10 为常用筛查界值），建议访谈复核。", "GAD-7 10–14: moderate anxiety symptoms (>= 10 is the usual screening cut-off); follow-up interview advised.")),
         ("severe", T("GAD-7 总分 15–21：重度焦虑症状，建议尽快访谈并考虑转介。", "GAD-7 15–21: severe anxiety symptoms; prompt interview and consider referral."))])
    return base("gad7", T("广泛性焦虑量表（GAD-7）", "Generalized Anxiety Disorder 7-item scale (GAD-7)"),
        T("在过去两周里，你生活中以下症状出现的频率有多少？", "Over the last 2 weeks, how often have you been bothered by the following problems?"),
        {"citation": "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097.",
         "licence": "Developed by Drs. Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
         "source_version": "GAD-7 (Pfizer), English and Chinese (simplified) versions",
         "validation": "何筱衍, 李春波, 钱洁, 等. 广泛性焦虑量表在综合性医院的信度和效度研究. 上海精神医学 2010;22(4):200-203.",
         "wording_status": "published", "notes": "Item 8 (functional difficulty) is not scored."},
        {"freq4": FREQ4, "difficulty": DIFF}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 8)], "bands": b}],
        feedback=fb)

K10_TEXTS = [("无缘无故地感到疲惫", "tired out for no good reason"), ("感到紧张", "nervous"),
             ("感到紧张得无法平静下来", "so nervous that nothing could calm you down"), ("感到绝望", "hopeless"),
             ("感到坐立不安或烦躁", "restless or fidgety"), ("感到烦躁得坐不住", "so restless you could not sit still"),
             ("感到情绪低落", "depressed"), ("感到做每件事都很费力", "that everything was an effort"),
             ("感到悲伤得无论如何都高兴不起来", "so sad that nothing could cheer you up"), ("感到自己毫无价值", "worthless")]

def k10():
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(1, "从不", "None of the time"), (2, "偶尔", "A little of the time"), (3, "有时", "Some of the time"), (4, "经常", "Most of the time"), (5, "总是", "All of the time")]]
    items = [{"id": f"q{i+1}", "type": "single", "options": "freq5", "text": T(f"在过去 30 天里，你有多经常{zh}？", f"During the last 30 days, about how often did you feel {en}?")} for i, (zh, en) in enumerate(K10_TEXTS)]
    b = bands([("low", 10, 15, "低（10–15）", "Low (10–15)"), ("moderate", 16, 21, "中（16–21）", "Moderate (16–21)"),
               ("high", 22, 29, "高（22–29）", "High (22–29)"), ("very_high", 30, 50, "很高（30–50）", "Very high (30–50)")])
    fb = band_feedback("k10", "total", [x["id"] for x in b], [SUPPORT_LOW, SUPPORT_MID, SUPPORT_HIGH, SUPPORT_HIGH],
        [("high", T("K10 22–29：高度心理困扰（ABS 分级），建议访谈复核。", "K10 22–29: high psychological distress (ABS levels); follow-up interview advised.")),
         ("very_high", T("K10 30–50：很高的心理困扰，建议尽快访谈并考虑转介。", "K10 30–50: very high psychological distress; prompt interview and consider referral."))])
    return base("k10", T("凯斯勒心理困扰量表（K10）", "Kessler Psychological Distress Scale (K10)"),
        T("以下问题是关于你在过去 30 天里的感受，请选择最符合你情况的答案。", "These questions concern how you have been feeling over the past 30 days. Choose the answer that best represents how you have been."),
        {"citation": "Kessler RC, Andrews G, Colpe LJ, et al. Short screening scales to monitor population prevalences and trends in non-specific psychological distress. Psychol Med 2002;32(6):959-976. Bands: Australian Bureau of Statistics, Information Paper: Use of the Kessler Psychological Distress Scale in ABS Health Surveys (cat. 4817.0.55.001).",
         "licence": "Free to use (Kessler, Harvard Medical School).", "validation": "徐浩 等, 2013, K10/K6 在大学生中的信效度.",
         "wording_status": "translation", "notes": "English is the published wording; the Chinese text is a faithful translation to be replaced by the validated Chinese version."},
        {"freq5": opts}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 11)], "bands": b}], feedback=fb)

def k6():
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(0, "从不", "None of the time"), (1, "偶尔", "A little of the time"), (2, "有时", "Some of the time"), (3, "经常", "Most of the time"), (4, "总是", "All of the time")]]
    sel = [("感到紧张", "nervous"), ("感到绝望", "hopeless"), ("感到坐立不安或烦躁", "restless or fidgety"),
           ("感到情绪低落得无论如何都高兴不起来", "so depressed that nothing could cheer you up"), ("感到做每件事都很费力", "that everything was an effort"), ("感到自己毫无价值", "worthless")]
    items = [{"id": f"q{i+1}", "type": "single", "options": "freq5", "text": T(f"在过去 30 天里，你有多经常{zh}？", f"During the past 30 days, about how often did you feel {en}?")} for i, (zh, en) in enumerate(sel)]
    b = [{"id": "below_cutoff", "min": 0, "max": 12, "label": T("低于界值（0–12）", "Below cut-off (0–12)")},
         {"id": "at_or_above_cutoff", "min": 13, "max": 24, "label": T("达到界值（≥ 13）", "At or above cut-off (>= 13)")}]
    fb = [{"key": "k6.total.below_cutoff.student", "audience": "student", "when": {"band": "total", "is": "below_cutoff"}, "text": SUPPORT_LOW},
          {"key": "k6.total.at_or_above_cutoff.student", "audience": "student", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": SUPPORT_HIGH},
          {"key": "k6.total.at_or_above_cutoff.counsellor", "audience": "counsellor", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": T("K6 ≥ 13（Kessler 2003 严重心理困扰界值）：建议访谈复核。", "K6 >= 13 (Kessler 2003 serious psychological distress cut-off): follow-up interview advised.")}]
    return base("k6", T("凯斯勒心理困扰量表（K6）", "Kessler Psychological Distress Scale (K6)"),
        T("以下问题是关于你在过去 30 天里的感受，请选择最符合你情况的答案。", "The following questions ask about how you have been feeling during the past 30 days."),
        {"citation": "Kessler RC, Barker PR, Colpe LJ, et al. Screening for serious mental illness in the general population. Arch Gen Psychiatry 2003;60(2):184-189.",
         "licence": "Free to use (Kessler, Harvard Medical School).", "validation": "徐浩 等, 2013, K10/K6 在大学生中的信效度.",
         "wording_status": "translation", "notes": "Scored 0–4 per item (0–24). English is the published wording; the Chinese text is a faithful translation."},
        {"freq5": opts}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 7)], "bands": b}], feedback=fb)

def cesd():
    texts = [("我因一些小事而烦恼", "I was bothered by things that usually don't bother me."),
             ("我不大想吃东西，胃口不好", "I did not feel like eating; my appetite was poor."),
             ("即使家人和朋友帮助我，我仍然无法摆脱心中的苦闷", "I felt that I could not shake off the blues even with help from my family or friends."),
             ("我觉得我和一般人一样好", "I felt I was just as good as other people."),
             ("我在做事时很难集中精力", "I had trouble keeping my mind on what I was doing."),
             ("我感到情绪低沉", "I felt depressed."),
             ("我感到做任何事都很费力", "I felt that everything I did was an effort."),
             ("我觉得前途是有希望的", "I felt hopeful about the future."),
             ("我觉得我的生活是失败的", "I thought my life had been a failure."),
             ("我感到害怕", "I felt fearful."),
             ("我的睡眠不好", "My sleep was restless."),
             ("我感到高兴", "I was happy."),
             ("我比平时说话要少", "I talked less than usual."),
             ("我感到孤单", "I felt lonely."),
             ("我觉得人们对我不太友好", "People were unfriendly."),
             ("我觉得生活得很有意思", "I enjoyed life."),
             ("我曾哭泣", "I had crying spells."),
             ("我感到忧愁", "I felt sad."),
             ("我觉得人们不喜欢我", "I felt that people dislike me."),
             ("我觉得无法继续日常的事情", "I could not get \"going.\"")]
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(0, "偶尔或无（少于 1 天）", "Rarely or none of the time (less than 1 day)"), (1, "有时（1–2 天）", "Some or a little of the time (1–2 days)"),
             (2, "经常或一半时间（3–4 天）", "Occasionally or a moderate amount of time (3–4 days)"), (3, "大部分或全部时间（5–7 天）", "Most or all of the time (5–7 days)")]]
    items = items_from(texts, "days4", reverse=(4, 8, 12, 16))
    b = [{"id": "below_cutoff", "min": 0, "max": 15, "label": T("低于界值（0–15）", "Below cut-off (0–15)")},
         {"id": "at_or_above_cutoff", "min": 16, "max": 60, "label": T("达到界值（≥ 16）", "At or above cut-off (>= 16)")}]
    fb = [{"key": "cesd.total.below_cutoff.student", "audience": "student", "when": {"band": "total", "is": "below_cutoff"}, "text": SUPPORT_LOW},
          {"key": "cesd.total.at_or_above_cutoff.student", "audience": "student", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": SUPPORT_MID},
          {"key": "cesd.total.at_or_above_cutoff.counsellor", "audience": "counsellor", "when": {"band": "total", "is": "at_or_above_cutoff"}, "text": T("CES-D ≥ 16（Radloff 1977 界值）：提示抑郁症状较多，建议访谈复核。", "CES-D >= 16 (Radloff 1977 cut-off): elevated depressive symptoms; follow-up interview advised.")}]
    return base("cesd", T("流调中心抑郁量表（CES-D）", "Center for Epidemiologic Studies Depression Scale (CES-D)"),
        T("下面是你可能有过的感受或行为，请根据过去一周内出现的频率作答。", "Below is a list of the ways you might have felt or behaved. Please tell how often you have felt this way during the past week."),
        {"citation": "Radloff LS. The CES-D Scale: a self-report depression scale for research in the general population. Appl Psychol Meas 1977;1(3):385-401.",
         "licence": "Public domain (developed at the US National Institute of Mental Health).",
         "validation": "章婕, 吴振云, 方格, 等. 流调中心抑郁量表全国城市常模的建立. 中国心理卫生杂志 2010;24(2):139-143.",
         "wording_status": "translation", "notes": "Items 4, 8, 12, 16 are reverse-keyed. The Chinese text follows the widely used version; replace with the exact normed wording if it differs."},
        {"days4": opts}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 21)], "bands": b}], feedback=fb)

def rses():
    texts = [("我感到我是一个有价值的人，至少与其他人在同一水平上", "I feel that I'm a person of worth, at least on an equal plane with others."),
             ("我感到我有许多好的品质", "I feel that I have a number of good qualities."),
             ("归根结底，我倾向于觉得自己是一个失败者", "All in all, I am inclined to feel that I am a failure."),
             ("我能像大多数人一样把事情做好", "I am able to do things as well as most other people."),
             ("我感到自己值得自豪的地方不多", "I feel I do not have much to be proud of."),
             ("我对自己持肯定态度", "I take a positive attitude toward myself."),
             ("总的来说，我对自己是满意的", "On the whole, I am satisfied with myself."),
             ("我希望我能为自己赢得更多尊重", "I wish I could have more respect for myself."),
             ("我确实时常感到自己毫无用处", "I certainly feel useless at times."),
             ("我时常认为自己一无是处", "At times I think I am no good at all.")]
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(1, "很不符合", "Strongly disagree"), (2, "不符合", "Disagree"), (3, "符合", "Agree"), (4, "非常符合", "Strongly agree")]]
    items = items_from(texts, "agree4", reverse=(3, 5, 8, 9, 10))
    return base("rses", T("自尊量表（RSES）", "Rosenberg Self-Esteem Scale (RSES)"),
        T("请仔细阅读下列句子，选择最符合你情况的答案。", "Please read each statement and choose the answer that best describes you."),
        {"citation": "Rosenberg M. Society and the Adolescent Self-Image. Princeton University Press, 1965. Chinese: 季益富, 于欣. 自尊量表. 见: 汪向东, 王希林, 马弘. 心理卫生评定量表手册（增订版）. 中国心理卫生杂志社, 1999: 318-320.",
         "licence": "Free to use without explicit permission (Rosenberg family / University of Maryland).",
         "source_version": "Chinese manual item order (reverse items 3, 5, 8, 9, 10); the English items are listed in the same order.",
         "wording_status": "translation", "notes": "No official cut-off: the score is reported without bands. Higher = higher self-esteem."},
        {"agree4": opts}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 11)]}])

def pss10():
    texts = [("因为发生了意料之外的事情而感到心烦意乱", "been upset because of something that happened unexpectedly"),
             ("感到无法控制自己生活中重要的事情", "felt that you were unable to control the important things in your life"),
             ("感到紧张和有压力", "felt nervous and \"stressed\""),
             ("对自己处理个人问题的能力感到有信心", "felt confident about your ability to handle your personal problems"),
             ("感到事情在按照你的意愿发展", "felt that things were going your way"),
             ("发现自己无法应付所有必须做的事情", "found that you could not cope with all the things that you had to do"),
             ("能够控制生活中令人烦躁的事情", "been able to control irritations in your life"),
             ("感到自己能掌控一切", "felt that you were on top of things"),
             ("因为超出自己控制的事情而生气", "been angered because of things that were outside of your control"),
             ("感到困难堆积如山，无法克服", "felt difficulties were piling up so high that you could not overcome them")]
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(0, "从不", "Never"), (1, "几乎不", "Almost never"), (2, "有时", "Sometimes"), (3, "相当频繁", "Fairly often"), (4, "非常频繁", "Very often")]]
    items = []
    for i, (zh, en) in enumerate(texts):
        it = {"id": f"q{i+1}", "type": "single", "options": "often5", "text": T(f"在最近一个月里，你有多少次{zh}？", f"In the last month, how often have you {en}?")}
        if i + 1 in (4, 5, 7, 8): it["reverse"] = True
        items.append(it)
    return base("pss10", T("知觉压力量表（PSS-10）", "Perceived Stress Scale (PSS-10)"),
        T("以下问题询问你最近一个月的感受和想法，请选择每种情况出现的频率。", "The questions in this scale ask you about your feelings and thoughts during the last month. In each case, indicate how often you felt or thought a certain way."),
        {"citation": "Cohen S, Kamarck T, Mermelstein R. A global measure of perceived stress. J Health Soc Behav 1983;24(4):385-396; Cohen S, Williamson G. Perceived stress in a probability sample of the United States. 1988.",
         "licence": "Free for non-commercial academic and educational use (Cohen).",
         "validation": "Lu W, Bian Q, Wang W, et al. Chinese version of the Perceived Stress Scale-10: a psychometric study in Chinese university students. PLoS One 2017;12(12):e0189543.",
         "wording_status": "translation", "notes": "Items 4, 5, 7, 8 are reverse-keyed. No official bands: the score is reported without bands."},
        {"often5": opts}, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": [f"q{i}" for i in range(1, 11)]}])

def cssrs():
    yes = lambda i: {"item": i, "is": "yes"}
    items = [
     {"id": "q1", "type": "yes_no", "text": T("过去一个月内，你是否希望自己死了，或希望自己睡着后不再醒来？", "Have you wished you were dead or wished you could go to sleep and not wake up?")},
     {"id": "q2", "type": "yes_no", "text": T("过去一个月内，你是否真的有过想要结束自己生命的念头？", "Have you actually had any thoughts of killing yourself?")},
     {"id": "q3", "type": "yes_no", "show_if": yes("q2"), "text": T("你是否想过可能会怎样去做？", "Have you been thinking about how you might do this?")},
     {"id": "q4", "type": "yes_no", "show_if": yes("q2"), "text": T("你是否有过这些念头，并且有些想要付诸行动的意图？", "Have you had these thoughts and had some intention of acting on them?")},
     {"id": "q5", "type": "yes_no", "show_if": yes("q2"), "text": T("你是否已经开始或已经想好如何结束生命的具体细节？你打算执行这个计划吗？", "Have you started to work out or worked out the details of how to kill yourself? Do you intend to carry out this plan?")},
     {"id": "q6", "type": "yes_no", "text": T("你是否曾经做过、开始做或准备做任何结束自己生命的事情？（例如：收集药物、获取工具、送走贵重物品、写遗书；或者真的服药、割伤自己等）", "Have you ever done anything, started to do anything, or prepared to do anything to end your life? (Examples: collected pills, obtained a gun, gave away valuables, wrote a will or suicide note, took out pills but didn't swallow any, held a gun but changed your mind, went to the roof but didn't jump; or actually took pills, tried to shoot yourself, cut yourself, tried to hang yourself, etc.)")},
     {"id": "q6_recent", "type": "yes_no", "show_if": yes("q6"), "text": T("这是在过去 3 个月内发生的吗？", "Was this within the past 3 months?")},
    ]
    levels = [
     {"id": "high", "label": T("高风险", "High risk"), "when": {"any": [yes("q4"), yes("q5"), yes("q6_recent")]}},
     {"id": "moderate", "label": T("中风险", "Moderate risk"), "when": {"any": [yes("q3"), {"all": [yes("q6"), {"item": "q6_recent", "is": "no"}]}]}},
     {"id": "low", "label": T("低风险", "Low risk"), "when": {"any": [yes("q1"), yes("q2")]}},
     {"id": "none", "label": T("未提示风险", "No risk indicated")}]
    fb = [
     {"key": "cssrs.student.none", "audience": "student", "when": {"class": "risk", "is": "none"}, "text": SUPPORT_LOW},
     {"key": "cssrs.student.any", "audience": "student", "when": {"not": {"class": "risk", "is": "none"}}, "text": SUPPORT_HIGH},
     {"key": "cssrs.counsellor.high", "audience": "counsellor", "when": {"class": "risk", "is": "high"}, "text": T("C-SSRS 筛查高风险（Q4、Q5 或 3 个月内的 Q6）：立即进行安全评估并启动危机干预流程。", "C-SSRS screen high risk (Q4, Q5 or Q6 within 3 months): immediate safety assessment and crisis protocol.")},
     {"key": "cssrs.counsellor.moderate", "audience": "counsellor", "when": {"class": "risk", "is": "moderate"}, "text": T("C-SSRS 筛查中风险（Q3 或 3 个月前的 Q6）：尽快由心理老师评估。", "C-SSRS screen moderate risk (Q3, or Q6 more than 3 months ago): prompt assessment by a counsellor.")},
     {"key": "cssrs.counsellor.low", "audience": "counsellor", "when": {"class": "risk", "is": "low"}, "text": T("C-SSRS 筛查低风险（Q1 或 Q2）：跟进关注。", "C-SSRS screen low risk (Q1 or Q2): follow up.")}]
    return base("cssrs-screen", T("哥伦比亚自杀严重程度评定量表（筛查版）", "Columbia-Suicide Severity Rating Scale (C-SSRS) Screener"),
        T("请回答以下问题（问题 1–5 指过去一个月）。", "Please answer the following questions (questions 1–5 refer to the past month)."),
        {"citation": "Posner K, Brown GK, Stanley B, et al. The Columbia-Suicide Severity Rating Scale: initial validity and internal consistency findings. Am J Psychiatry 2011;168(12):1266-1277. Screener version, The Columbia Lighthouse Project.",
         "licence": "Free to use without charge for clinical, educational and public-health settings (The Columbia Lighthouse Project).",
         "source_version": "C-SSRS Screen Version (past month, with lifetime/3-month behaviour question)",
         "wording_status": "translation", "notes": "Q3–Q5 are asked only if Q2 = yes. Triage: Q1 or Q2 -> low; Q3, or Q6 more than 3 months ago -> moderate; Q4, Q5, or Q6 within 3 months -> high. The Chinese text is a faithful translation to be replaced by the official Columbia translation."},
        None, items, [],
        classes=[{"id": "risk", "label": T("风险分级", "Risk level"), "levels": levels}],
        critical=[
         {"id": "q4_intent", "item": "q4", "when": yes("q4"), "urgency": "urgent", "label": T("有意图的自杀念头", "Suicidal ideation with intent")},
         {"id": "q5_plan", "item": "q5", "when": yes("q5"), "urgency": "urgent", "label": T("有计划和意图", "Suicidal ideation with plan and intent")},
         {"id": "q6_recent_behavior", "item": "q6_recent", "when": yes("q6_recent"), "urgency": "urgent", "label": T("3 个月内的自杀行为", "Suicidal behaviour within 3 months")}],
        feedback=fb)

UPI_ITEMS = ["食欲不振", "恶心、胃口难受、肚子痛", "容易拉肚子或便秘", "关注心悸和脉搏", "身体健康状况良好",
 "牢骚和不满多", "父母期望过高", "自己的过去和家庭是不幸的", "过于担心将来的事情", "不想见人",
 "觉得自己不是自己", "缺乏热情和积极性", "悲观", "思想不集中", "情绪起伏过大",
 "常常失眠", "头痛", "脖子、肩膀酸痛", "胸痛、憋闷", "总是朝气蓬勃",
 "气量小", "爱操心", "焦躁不安", "容易动怒", "想轻生",
 "对任何事情都没有兴趣", "记忆力减退", "缺乏耐力", "缺乏决断能力", "过于依赖别人",
 "为脸红而苦恼", "口吃、声音发颤", "身体忽冷忽热", "注意排尿和性器官", "心情开朗",
 "莫名其妙的不安", "独自一人时感到不安", "缺乏自信心", "办事畏首畏尾", "容易被人误解",
 "不相信别人", "过于猜疑", "不愿和别人交往", "感到自卑", "杞人忧天",
 "身体倦乏", "一着急就出冷汗", "站起来就头晕", "曾有过失去知觉或抽筋", "待人接物积极",
 "过于拘泥", "对脏很在乎", "摆脱不了毫无意义的想法", "觉得自己身上有怪味", "总觉得别人在背后说自己坏话",
 "总注意周围的人", "在乎别人的视线", "觉得别人看不起自己", "情绪容易被破坏", "觉得别人不理解自己"]
UPI_EN = ["Poor appetite", "Nausea, upset stomach or stomach ache", "Prone to diarrhoea or constipation", "Paying attention to palpitations and pulse", "In good health",
 "Many complaints and grievances", "Parents expect too much", "My past and my family are unhappy", "Worrying too much about the future", "Not wanting to see people",
 "Feeling that I am not myself", "Lacking enthusiasm and initiative", "Pessimistic", "Cannot concentrate", "Mood swings too much",
 "Often cannot sleep", "Headaches", "Neck and shoulder aches", "Chest pain or tightness", "Always full of energy",
 "Narrow-minded", "Fretting about things", "Restless and agitated", "Easily angered", "Thinking of ending my life",
 "No interest in anything", "Memory getting worse", "Lacking stamina", "Cannot make decisions", "Depending too much on others",
 "Troubled by blushing", "Stammering or trembling voice", "Feeling hot and cold", "Paying attention to urination and genitals", "Cheerful",
 "Uneasy for no reason", "Uneasy when alone", "Lacking self-confidence", "Timid in doing things", "Easily misunderstood",
 "Not trusting others", "Too suspicious", "Not wanting to mix with others", "Feeling inferior", "Worrying about unlikely things",
 "Physically tired", "Breaking into a cold sweat when anxious", "Dizzy on standing up", "Have fainted or had convulsions", "Outgoing with people",
 "Too rigid about details", "Very concerned about dirt", "Cannot get rid of meaningless thoughts", "Feeling that my body smells", "Feeling that others speak ill of me behind my back",
 "Always watching the people around me", "Minding how others look at me", "Feeling that others look down on me", "Mood is easily upset", "Feeling that others do not understand me"]
UPI_AUX = [("到目前为止，你感到自己的身体健康方面有问题吗？", "So far, do you feel you have problems with your physical health?"),
           ("到目前为止，你感到自己的心理健康方面有问题吗？", "So far, do you feel you have problems with your mental health?"),
           ("到目前为止，你曾经接受过心理咨询或治疗吗？", "Have you ever received psychological counselling or treatment?"),
           ("你现在有想要咨询的问题吗？", "Do you have anything you would like to talk over with a counsellor now?")]
LIE = (5, 20, 35, 50)

def upi(variant=False):
    yes = lambda i: {"item": i, "is": "yes"}
    items = [{"id": f"q{i+1}", "type": "yes_no", "text": T(UPI_ITEMS[i], UPI_EN[i])} for i in range(60)]
    for n in LIE: items[n - 1]["lie"] = True
    items += [{"id": f"q{61+i}", "type": "yes_no", "text": T(zh, en)} for i, (zh, en) in enumerate(UPI_AUX)]
    scored = [f"q{i}" for i in range(1, 61) if i not in LIE]
    aux = [f"q{i}" for i in range(61, 65)]
    key3 = ["q8", "q16", "q26"]
    cat1 = [{"score": "total", "op": ">=", "value": 25}, yes("q25"),
            {"count": {"items": aux, "is": "yes"}, "op": ">=", "value": 2}, yes("q64")]
    if variant:
        cat1.append({"count": {"items": key3, "is": "yes"}, "op": ">=", "value": 2})
    cat2 = [{"score": "total", "op": ">=", "value": 20},
            {"count": {"items": key3, "is": "yes"}, "op": ">=", "value": 1},
            {"count": {"items": aux, "is": "yes"}, "op": "==", "value": 1}]
    levels = [{"id": "I", "label": T("第一类", "Category I"), "when": {"any": cat1}},
              {"id": "II", "label": T("第二类", "Category II"), "when": {"any": cat2}},
              {"id": "III", "label": T("第三类", "Category III")}]
    b = bands([("below_20", 0, 19, "0–19", "0–19"), ("from_20_to_24", 20, 24, "20–24", "20–24"), ("from_25", 25, 56, "≥ 25", ">= 25")])
    fb = [{"key": "upi.student.III", "audience": "student", "when": {"class": "category", "is": "III"}, "text": SUPPORT_LOW},
          {"key": "upi.student.II", "audience": "student", "when": {"class": "category", "is": "II"}, "text": SUPPORT_MID},
          {"key": "upi.student.I", "audience": "student", "when": {"class": "category", "is": "I"}, "text": SUPPORT_HIGH},
          {"key": "upi.counsellor.I", "audience": "counsellor", "when": {"class": "category", "is": "I"}, "text": T("UPI 第一类：可能有较明显的心理困扰，需要心理老师尽快约谈复核。", "UPI Category I: possibly marked psychological distress; a counsellor should interview soon.")},
          {"key": "upi.counsellor.II", "audience": "counsellor", "when": {"class": "category", "is": "II"}, "text": T("UPI 第二类：可能有一般心理困扰，建议关注并适时约谈。", "UPI Category II: possibly some psychological distress; keep in view and offer a talk.")},
          {"key": "upi.counsellor.q25", "audience": "counsellor", "when": yes("q25"), "text": T("第 25 题“想轻生”选“是”：无论总分高低，请当天进行安全评估。", "Item 25 (thinking of ending my life) answered yes: assess safety the same day, whatever the total.")}]
    d = base("upi-variant" if variant else "upi",
        T("大学生人格问卷（UPI）" + ("——≥ 2 项关键题变式" if variant else ""), "University Personality Inventory (UPI)" + (" — 2-of-8/16/26 variant" if variant else "")),
        T("以下问题用于了解你的身心健康状况。请按顺序阅读，回想近一年来你经常感到或体验到的情况，符合的选“是”，不符合的选“否”。", "These questions help us understand your physical and mental well-being. Read them in order; for each, answer yes if you have often felt or experienced it during the past year, otherwise no."),
        {"citation": "全国大学保健管理协会 (Japan), University Personality Inventory, 1966; Chinese revision: 樊富珉, 王建中, 清华大学, 1993.",
         "licence": "Widely circulated for university mental-health screening in China (Tsinghua 1993 revision).",
         "source_version": "Tsinghua 1993 revision: 60 items + 4 auxiliary items (61–64); lie items 5, 20, 35, 50 unscored",
         "wording_status": "translation" if not variant else "placeholder",
         "notes": ("Classification: the 1993 Tsinghua default rule" if not variant else "Test definition: the known variant that treats >= 2 of items 8, 16, 26 as Category I")
                  + ". Items 1–48 follow the circulated Chinese text; items 49–60 and the auxiliary items must be checked against the 1993 manual. Auxiliary item 64 = yes is the explicit request for counselling."},
        None, items,
        [{"id": "total", "label": T("总分", "Total score"), "method": "sum", "items": scored, "bands": b},
         {"id": "lie", "label": T("测伪题", "Lie items"), "method": "sum", "items": [f"q{n}" for n in LIE]},
         {"id": "auxiliary", "label": T("辅助题“是”的个数", "Auxiliary items answered yes"), "method": "sum", "items": aux}],
        classes=[{"id": "category", "label": T("分类", "Category"), "levels": levels}],
        critical=[{"id": "q25_suicidal_thoughts", "item": "q25", "when": yes("q25"), "urgency": "urgent", "label": T("想轻生", "Thinking of ending one's life")}],
        validity=[{"id": "lie_all_yes", "kind": "lie_scale", "score": "lie", "op": ">=", "value": 4, "effect": "flag",
                   "label": T("4 道测伪题均选“是”，结果需谨慎解释", "All four lie items answered yes: interpret with caution")}],
        feedback=fb)
    return d

GENS.update({"phq-a": phqa, "gad7": gad7, "k10": k10, "k6": k6, "cesd": cesd, "rses": rses, "pss10": pss10, "cssrs-screen": cssrs, "upi": upi})


DEFS = os.path.join(ROOT, 'tests', 'cases', 'defs')
def P(n, zh="题目", en="Item"):  # placeholder text
    return T(f"{zh} {n}（占位文本）", f"{en} {n} (placeholder text)")
PLACEHOLDER_PROV = lambda cit, lic, notes: {"citation": cit, "licence": lic, "wording_status": "placeholder", "notes": notes}

def sdq():
    opts = [{"code": "0", "value": 0, "text": T("不符合", "Not true")}, {"code": "1", "value": 1, "text": T("有点符合", "Somewhat true")},
            {"code": "2", "value": 2, "text": T("完全符合", "Certainly true")}]
    rev = (7, 11, 14, 21, 25)
    items = [dict({"id": f"q{n}", "type": "single", "options": "sdq3", "text": P(n)}, **({"reverse": True} if n in rev else {})) for n in range(1, 26)]
    sub = {"emotional": [3, 8, 13, 16, 24], "conduct": [5, 7, 12, 18, 22], "hyperactivity": [2, 10, 15, 21, 25],
           "peer": [6, 11, 14, 19, 23], "prosocial": [1, 4, 9, 17, 20]}
    three = {"emotional": [(0, 5), (6, 6), (7, 10)], "conduct": [(0, 3), (4, 4), (5, 10)], "hyperactivity": [(0, 5), (6, 6), (7, 10)],
             "peer": [(0, 3), (4, 5), (6, 10)]}
    four = {"emotional": [(0, 4), (5, 5), (6, 6), (7, 10)], "conduct": [(0, 3), (4, 4), (5, 5), (6, 10)],
            "hyperactivity": [(0, 5), (6, 6), (7, 7), (8, 10)], "peer": [(0, 2), (3, 3), (4, 4), (5, 10)]}
    ids3 = ["normal", "borderline", "abnormal"]
    ids4 = ["close_to_average", "slightly_raised", "high", "very_high"]
    mk = lambda ids, rng: [{"id": i, "min": a, "max": b} for i, (a, b) in zip(ids, rng)]
    scores = []
    for name, its in sub.items():
        s = {"id": name, "method": "prorated_sum", "items": [f"q{n}" for n in its], "min_answered": 3, "round": "half_up"}
        if name == "prosocial":
            s["bands"] = mk(["abnormal", "borderline", "normal"], [(0, 4), (5, 5), (6, 10)])
            s["band_sets"] = [{"id": "four_band", "bands": mk(["very_low", "low", "slightly_lowered", "close_to_average"], [(0, 4), (5, 5), (6, 6), (7, 10)])}]
        else:
            s["bands"] = mk(ids3, three[name])
            s["band_sets"] = [{"id": "four_band", "bands": mk(ids4, four[name])}]
        scores.append(s)
    scores.append({"id": "total_difficulties", "method": "sum", "scores": ["emotional", "conduct", "hyperactivity", "peer"],
                   "bands": mk(ids3, [(0, 15), (16, 19), (20, 40)]),
                   "band_sets": [{"id": "four_band", "bands": mk(ids4, [(0, 14), (15, 17), (18, 19), (20, 40)])}]})
    return base("test-sdq", T("长处和困难问卷（自评，测试定义）", "Strengths and Difficulties Questionnaire, self-report (test definition)"), None,
        PLACEHOLDER_PROV("Goodman R. The Strengths and Difficulties Questionnaire: a research note. J Child Psychol Psychiatry 1997;38:581-586. Self-report 11–17 bands (3-band 1997, 4-band 2014).",
                         "Not bundled: SDQ wording is copyright; electronic versions only under Youthinmind's agreement.",
                         "Proves proration (>= 3 of 5 answered, scaled and rounded), 3- and 4-band tables; item texts are placeholders."),
        {"sdq3": opts}, items, scores, missing={"allow": True})

SCL90 = {"somatization": [1,4,12,27,40,42,48,49,52,53,56,58], "obsessive_compulsive": [3,9,10,28,38,45,46,51,55,65],
         "interpersonal_sensitivity": [6,21,34,36,37,41,61,69,73], "depression": [5,14,15,20,22,26,29,30,31,32,54,71,79],
         "anxiety": [2,17,23,33,39,57,72,78,80,86], "hostility": [11,24,63,67,74,81], "phobic_anxiety": [13,25,47,50,70,75,82],
         "paranoid_ideation": [8,18,43,68,76,83], "psychoticism": [7,16,35,62,77,84,85,87,88,90], "additional": [19,44,59,60,64,66,89]}

def scl90():
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(1, "没有", "Not at all"), (2, "很轻", "A little"), (3, "中等", "Moderately"), (4, "偏重", "Quite a bit"), (5, "严重", "Extremely")]]
    items = [{"id": f"q{n}", "type": "single", "options": "sev5", "text": P(n)} for n in range(1, 91)]
    fb = [{"id": "below_2", "min": 1, "below": 2}, {"id": "from_2", "min": 2, "max": 5}]
    scores = [{"id": f, "method": "mean", "items": [f"q{n}" for n in its], "bands": fb} for f, its in SCL90.items()]
    scores += [{"id": "total", "method": "sum", "items": [f"q{n}" for n in range(1, 91)],
                "bands": [{"id": "up_to_160", "min": 90, "max": 160}, {"id": "above_160", "min": 161, "max": 450}]},
               {"id": "positive_items", "method": "count", "items": [f"q{n}" for n in range(1, 91)], "count_if": {"op": ">=", "value": 2},
                "bands": [{"id": "up_to_43", "min": 0, "max": 43}, {"id": "above_43", "min": 44, "max": 90}]},
               {"id": "gsi", "method": "mean", "items": [f"q{n}" for n in range(1, 91)]}]
    cond = {"any": [{"score": "total", "op": ">", "value": 160}, {"score": "positive_items", "op": ">", "value": 43}] +
                   [{"score": f, "op": ">=", "value": 2} for f in SCL90]}
    return base("test-scl90", T("症状自评量表（SCL-90，测试定义）", "Symptom Checklist-90 (test definition)"), None,
        PLACEHOLDER_PROV("Derogatis LR, Lipman RS, Covi L. SCL-90: an outpatient psychiatric rating scale. Psychopharmacol Bull 1973;9:13-28. Chinese norms: 金华, 吴文源, 张明园 1986.",
                         "Not bundled: SCL-90-R is published by Pearson.",
                         "Proves factor means and the positive-screen rule (total > 160, or > 43 positive items, or any factor mean >= 2), plus a straight-lining check; item texts are placeholders."),
        {"sev5": opts}, items, scores,
        classes=[{"id": "screen", "levels": [{"id": "positive", "when": cond}, {"id": "negative"}]}],
        validity=[{"id": "straight_lining", "kind": "all_same", "items": [f"q{n}" for n in range(1, 91)], "effect": "flag"}],
        feedback=[{"key": "scl90.student", "audience": "student", "when": {"answered": "q1"}, "text": SUPPORT_LOW},
                  {"key": "scl90.counsellor.positive", "audience": "counsellor", "when": {"class": "screen", "is": "positive"}, "text": T("SCL-90 筛查阳性：建议访谈复核。", "SCL-90 screen positive: follow-up interview advised.")}])

MHT_SCALES = [("learning_anxiety", 15), ("social_anxiety", 10), ("loneliness", 10), ("self_blame", 10), ("sensitivity", 10),
              ("somatic", 15), ("phobia", 10), ("impulsivity", 10)]

def mht():
    items = [{"id": f"q{n}", "type": "yes_no", "text": P(n)} for n in range(1, 101)]
    lie = list(range(91, 101))
    for n in lie: items[n - 1]["lie"] = True
    scores, start = [], 1
    for name, k in MHT_SCALES:
        its = list(range(start, start + k)); start += k
        scores.append({"id": name, "method": "sum", "items": [f"q{n}" for n in its],
                       "bands": [{"id": "normal", "min": 0, "max": 7}, {"id": "high", "min": 8, "max": k}]})
    scores.append({"id": "content_total", "method": "sum", "scores": [n for n, _ in MHT_SCALES],
                   "bands": [{"id": "normal", "min": 0, "max": 64}, {"id": "poor", "min": 65, "max": 90}]})
    scores.append({"id": "lie", "method": "sum", "items": [f"q{n}" for n in lie]})
    # Placeholder norm table: raw content total -> T score by grade and sex.
    def rows(shift):
        edges = [(0, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 90)]
        return [{"min": a, "max": b, "value": 30 + 5 * i + shift} for i, (a, b) in enumerate(edges)]
    groups = []
    for frm, to, shift in [(4, 6, 0), (7, 9, 2), (10, 12, 4)]:
        groups.append({"sex": "male", "from": frm, "to": to, "rows": rows(shift)})
        groups.append({"sex": "female", "from": frm, "to": to, "rows": rows(shift + 1)})
    return base("test-mht", T("心理健康诊断测验（MHT，测试定义）", "Mental Health Test (MHT, test definition)"), None,
        PLACEHOLDER_PROV("周步成. 心理健康诊断测验（MHT）手册. 华东师范大学, 1991 (adapted from 铃木清's 不安倾向诊断测验).",
                         "Not bundled: licence and item map unverified.",
                         "Proves lie-scale invalidation (lie >= 7), content scales >= 8 high, content total >= 65 poor, a too-fast check and norm lookups by grade and sex. Item map and norm values are placeholders."),
        None, items, scores,
        norms=[{"id": "content_total_t", "score": "content_total", "kind": "t_score", "by": "grade", "groups": groups}],
        validity=[{"id": "lie_scale", "kind": "lie_scale", "score": "lie", "op": ">=", "value": 7, "effect": "invalidate"},
                  {"id": "too_fast", "kind": "too_fast", "min_seconds": 120, "effect": "flag"}],
        feedback=[{"key": "mht.counsellor.poor", "audience": "counsellor", "when": {"band": "content_total", "is": "poor"}, "text": T("MHT 内容量表总分 ≥ 65。", "MHT content total >= 65.")}])

MSSMHS = ["obsession", "paranoia", "hostility", "interpersonal", "depression", "anxiety", "study_pressure", "maladjustment",
          "emotional_imbalance", "psychological_imbalance"]

def mssmhs():
    opts = [{"code": str(v), "value": v, "text": T(zh, en)} for v, zh, en in
            [(1, "从无", "Never"), (2, "轻度", "Mild"), (3, "中度", "Moderate"), (4, "偏重", "Quite a bit"), (5, "严重", "Severe")]]
    items = [{"id": f"q{n}", "type": "single", "options": "sev5", "text": P(n)} for n in range(1, 61)]
    b = [{"id": "normal", "min": 1, "below": 2}, {"id": "mild", "min": 2, "below": 3}, {"id": "moderate", "min": 3, "below": 4},
         {"id": "marked", "min": 4, "below": 5}, {"id": "severe", "min": 5, "max": 5}]
    scores = [{"id": f, "method": "mean", "items": [f"q{k * 10 + i + 1}" for k in range(6)], "bands": b} for i, f in enumerate(MSSMHS)]
    scores.append({"id": "overall", "method": "mean", "scores": MSSMHS, "decimals": 3, "bands": b})
    return base("test-mssmhs", T("中学生心理健康量表（MSSMHS，测试定义）", "Middle School Student Mental Health Scale (test definition)"), None,
        PLACEHOLDER_PROV("王极盛, 李焰, 赫尔实. 中国中学生心理健康量表的编制及其标准化. 社会心理科学 1997;(4):15-20.",
                         "Not bundled: licence unverified.", "Proves factor means and the >= 2 attention rule; item map is a placeholder."),
        {"sev5": opts}, items, scores,
        classes=[{"id": "attention", "levels": [{"id": "attention", "when": {"any": [{"score": f, "op": ">=", "value": 2} for f in MSSMHS]}}, {"id": "none"}]}])

def features():
    # Exercises the rest of the format: multi-select, free text, skip logic
    # inside scores, missing data, inconsistent pairs, count conditions.
    agree = [{"code": c, "value": v, "text": T(c, c)} for c, v in [("sd", 1), ("d", 2), ("a", 3), ("sa", 4)]]
    items = [
     {"id": "mood", "type": "single", "options": "agree", "text": P(1)},
     {"id": "mood_rev", "type": "single", "options": "agree", "reverse": True, "text": P(2)},
     {"id": "sleep", "type": "single", "options": "agree", "text": P(3)},
     {"id": "sleep_rev", "type": "single", "options": "agree", "reverse": True, "text": P(4)},
     {"id": "worries", "type": "multi", "text": P(5), "options": [{"code": "study", "value": 1, "text": P("a")}, {"code": "family", "value": 2, "text": P("b")}, {"code": "friends", "value": 4, "text": P("c")}]},
     {"id": "has_job", "type": "yes_no", "text": P(6)},
     {"id": "job_stress", "type": "single", "options": "agree", "show_if": {"item": "has_job", "is": "yes"}, "text": P(7)},
     {"id": "comment", "type": "text", "required": False, "text": P(8)},
    ]
    scores = [{"id": "wellbeing", "method": "sum", "items": ["mood", "mood_rev", "sleep", "sleep_rev", "job_stress"],
               "bands": [{"id": "low", "min": 4, "max": 9}, {"id": "high", "min": 10, "max": 20}]},
              {"id": "worry", "method": "sum", "items": ["worries"]},
              {"id": "mean_mood", "method": "mean", "items": ["mood", "mood_rev"], "min_answered": 2}]
    return base("test-features", T("格式特性（测试定义）", "Format features (test definition)"), None,
        PLACEHOLDER_PROV("xinqiao test definition", "test only", "Multi-select, free text, skip logic inside a score, missing data, reverse keys, inconsistent pairs."),
        {"agree": agree}, items, scores, missing={"allow": True},
        critical=[{"id": "many_worries", "item": "worries", "when": {"all": [{"item": "worries", "in": ["family"]}, {"item": "worries", "op": ">=", "value": 6}]}, "urgency": "moderate"}],
        validity=[{"id": "contradictory", "kind": "inconsistent_pairs", "pairs": [["mood", "mood_rev"], ["sleep", "sleep_rev"]], "relation": "opposite", "max_diff": 1, "max_count": 1, "effect": "invalidate"},
                  {"id": "no_worries_no_job", "kind": "rule", "when": {"all": [{"not": {"answered": "worries"}}, {"item": "has_job", "is": "no"}]}, "effect": "flag"}])

TESTS = {"sdq": sdq, "scl90": scl90, "mht": mht, "mssmhs": mssmhs, "features": features, "upi_variant": lambda: upi(True)}

if __name__ == '__main__':
    for name in GENS:
        write(GENS[name]())
    if '--tests' in sys.argv:
        for name, f in TESTS.items():
            write(f(), os.path.join(DEFS, name + '.json'))
