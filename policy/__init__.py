"""The shop's CrossGuard policy pack (`pulumi preview --policy-pack policy`)."""
