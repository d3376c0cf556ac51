"""Response metrics (MTTA, MTTR, target attainment, incidents per week) and the Prometheus endpoint."""
