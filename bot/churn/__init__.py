"""/churn-risk and the weekly digest: tables, snapshots, flows, Block Kit, retention CLI."""
