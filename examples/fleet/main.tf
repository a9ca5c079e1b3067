# A fleet of Windows servers with one provider configuration: for_each over
# the hosts, each resource naming its own host. The provider keeps one WinRM
# connection per host for the whole run and works on several hosts at once
# (terraform apply -parallelism=N, default 10).

terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

variable "hosts" {
  description = "The Windows hosts to manage: DNS names or IP addresses, each optionally with :port."
  type        = set(string)
  default     = ["web01.example.com", "web02.example.com", "web03.example.com"]
}

variable "ntp_servers" {
  description = "The NTP servers every host takes its time from, in order of preference."
  type        = list(string)
  default     = ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org"]
}

variable "username" {
  description = "An account in the Administrators group of every host (Administrator, EXAMPLE\\admin)."
  type        = string
}

variable "password" {
  description = "The account's password."
  type        = string
  sensitive   = true
}

# No host here: every resource names its own. The credentials can also come
# from WINDOWS_USERNAME and WINDOWS_PASSWORD.
provider "windows" {
  username = var.username
  password = var.password
}

resource "windows_ntp_config" "fleet" {
  for_each = var.hosts

  host        = each.value
  type        = "NTP"
  ntp_servers = [for s in var.ntp_servers : { address = s }]
}

output "os_versions" {
  description = "The Windows version detected on each host."
  value       = { for host, cfg in windows_ntp_config.fleet : host => cfg.os_version }
}
