"""Results said in words: outcome sentences, the patient's words, tables for people."""
