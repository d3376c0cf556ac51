"""The playbook as code: severities, targets, cadence, classification, runbooks, templates."""
