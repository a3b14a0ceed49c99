"""Properties over client histories: sequential specs of objects, linearizability."""
