"""Output: render a scan report as text, JSON, SARIF or JUnit XML."""
