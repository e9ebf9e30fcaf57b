task_queue_target = "node_type"
constraint {
  kind = "concurrency"
  value = 2
  period = "15m"
}
constraint {
  kind = "maxExecution"
  value = "10"
  period = "7d"
  is_global = true
}
