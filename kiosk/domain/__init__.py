"""The product's rules, free of Textual: testable without a terminal."""
