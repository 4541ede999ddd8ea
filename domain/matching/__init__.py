"""Group formation: the profiles (``profiles``), the rules and score (``problem``) and the
explanations of a proposal (``explanations``); the search itself is in ``services.matching``."""
