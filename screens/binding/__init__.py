"""The screens that bind the 健保快易通 app: the device code and its QR, the bound devices,
行動電話認證, and the QR sign-in. They use only the shared screens and widgets."""
