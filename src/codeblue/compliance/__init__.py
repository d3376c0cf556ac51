"""HIPAA breach notification: deadlines from 45 CFR 164.400-414 and the state rules beside them."""
