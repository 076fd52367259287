// Tests of Reconcile.
