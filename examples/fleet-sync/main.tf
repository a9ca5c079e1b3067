# Checking that a fleet is in sync: a check block, which warns
# (without failing the plan or apply) when a host has not synchronised, or
# has drifted from its source by more than a second.
variable "hosts" {
  type    = set(string)
  default = ["dc01.example.com", "dc02.example.com", "app01.example.com"]
}

variable "max_offset_seconds" {
  type    = number
  default = 1
}

provider "windows" {
  # username and password from WINDOWS_USERNAME and WINDOWS_PASSWORD
}

# A check's own (nested) data block takes no for_each, so the fleet's
# statuses are read at the top level; the check asserts on them.
data "windows_ntp_status" "host" {
  for_each = var.hosts
  host     = each.value
}

check "fleet_in_sync" {
  assert {
    condition = alltrue([
      for h, s in data.windows_ntp_status.host : s.synchronized != false && s.state == "running"
    ])
    error_message = "Not synchronised: ${join(", ", [
      for h, s in data.windows_ntp_status.host : "${h} (${s.state})" if s.synchronized == false || s.state != "running"
    ])}."
  }

  assert {
    condition = alltrue([
      for h, s in data.windows_ntp_status.host : s.phase_offset == null || abs(coalesce(s.phase_offset, 0)) <= var.max_offset_seconds
    ])
    error_message = "Offset over ${var.max_offset_seconds}s: ${join(", ", [
      for h, s in data.windows_ntp_status.host : "${h} (${s.phase_offset}s)"
      if s.phase_offset != null && abs(coalesce(s.phase_offset, 0)) > var.max_offset_seconds
    ])}."
  }
}
