"""Loading data: the sample scenario and large synthetic sets."""
