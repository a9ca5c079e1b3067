# site-time: a reusable module for the time settings of a site's Windows
# servers. Every host takes its time from the site's NTP servers (with
# type = "AllSync", from the domain hierarchy too), starts W32Time at boot,
# and synchronises as soon as its settings change. Domain controllers are
# refused: they follow the domain hierarchy, which is configured elsewhere.
#
# Like any reusable module it configures no provider: its caller does, and
# so do the tests in tests/.

terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

# Read at plan time: what each host is, for the precondition below.
data "windows_host" "this" {
  for_each = var.hosts
  host     = each.value
}

resource "windows_ntp_config" "this" {
  for_each = var.hosts

  host = each.value
  type = var.type
  ntp_servers = concat(
    [for p in var.peers : { address = p, flags = ["SpecialInterval", "Client"] }],
    [for p in var.fallback_peers : { address = p, flags = ["UseAsFallbackOnly", "Client"] }],
  )
  service_startup = "automatic"
  resync_on_apply = true

  lifecycle {
    precondition {
      condition = !contains(
        ["primary_dc", "backup_dc", "domain_controller"],
        coalesce(data.windows_host.this[each.key].domain_role, "unknown"),
      )
      error_message = "${each.value} is a domain controller (${data.windows_host.this[each.key].domain_role}): domain controllers take their time from the domain hierarchy. Leave it out of hosts."
    }
  }
}

# Read after the settings are written, to report where each host now takes
# its time from.
data "windows_ntp_status" "this" {
  for_each = var.hosts
  host     = each.value

  depends_on = [windows_ntp_config.this]
}

# A warning, not an error: a host whose peers cannot be reached yet is still
# configured correctly.
check "site_in_sync" {
  assert {
    condition     = alltrue([for h, s in data.windows_ntp_status.this : s.synchronized != false])
    error_message = "Not synchronised: ${join(", ", [for h, s in data.windows_ntp_status.this : h if s.synchronized == false])}."
  }
}
