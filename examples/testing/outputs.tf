output "os_versions" {
  description = "The Windows version of each host, as ver prints it."
  value       = { for h, c in windows_ntp_config.this : h => c.os_version }
}

output "domain_roles" {
  description = "The place of each host in its domain (member_server, standalone_server, ...)."
  value       = { for h, d in data.windows_host.this : h => d.domain_role }
}

output "sources" {
  description = "Where each host takes its time from after the apply, as w32tm prints it."
  value       = { for h, s in data.windows_ntp_status.this : h => s.source }
}
