"""The screens of card replacement: the applications, the form with its photo, and the
payment sub-flows in ``payment/``. They use only the shared screens and widgets."""
