"""Words of the market capability that the command line needs before anything heavy is imported."""

#: Kinds of theme rule: which field of a launch a rule compares (``mission`` takes a glob).
RULE_KINDS = ("vehicle", "constellation", "orbit-outcome", "booster-recovery", "mission", "launch")
