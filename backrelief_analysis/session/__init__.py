"""The guided session: steps, engine, cues, sounds, settings, widgets, questionnaires."""
