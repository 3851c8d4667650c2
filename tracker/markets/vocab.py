"""Words of the market capability that the command line needs before anything heavy is imported."""

#: Kinds of theme rule: which field of a launch a rule compares (``mission`` takes a glob).
RULE_KINDS = ("vehicle", "constellation", "orbit-outcome", "booster-recovery", "mission", "launch")

#: Abnormal-return models of the event study: name -> the panel column of its abnormal returns
#: (:mod:`tracker.markets.link` computes them; the link service and the command line offer the names).
MODELS = {"market": "ar", "market-model": "ar_mm"}
