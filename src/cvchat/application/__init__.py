"""Application: one use case per action, the run executor and the assistant loop; no framework imports."""
