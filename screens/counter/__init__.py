"""Counter staff mode: reached only through the staff sign-in (F10), gone when the staff
session ends. Nothing here is linked from a public screen. The screens use only the shared
screens and widgets."""
