"""Counter staff mode (SPEC §6): reached only through the staff sign-in (F10), gone when
the staff session ends. Nothing here is linked from a public screen."""
