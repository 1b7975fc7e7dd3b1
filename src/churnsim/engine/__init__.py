"""Engine: the run plan (validate once, build once), the model's wiring, agents, population, decisions, recorder."""
