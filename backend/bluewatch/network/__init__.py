"""Travel by road (issue 20): speeds, the edges pgRouting routes over, CASEVAC."""
