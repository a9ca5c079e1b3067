# The time hierarchy of an Active Directory forest:
#
#   external NTP servers
#     -> PDC emulator of the forest root domain  (type NTP, reliable = true)
#       -> the other domain controllers          (type NT5DS)
#         -> member servers                      (type NT5DS)
#
# Only the PDC emulator of the forest root domain looks outside; everything
# else follows the domain hierarchy, which is what Windows does by default once
# that one server is set up. Managing the others as well makes drift visible.

terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

variable "pdc_emulator" {
  description = "The domain controller holding the PDC emulator role of the forest root domain (netdom query fsmo)."
  type        = string
  default     = "dc01.corp.example.com"
}

variable "domain_controllers" {
  description = "The other domain controllers."
  type        = set(string)
  default     = ["dc02.corp.example.com", "dc03.corp.example.com"]
}

variable "member_servers" {
  description = "Member servers."
  type        = set(string)
  default     = ["app01.corp.example.com", "sql01.corp.example.com"]
}

variable "external_ntp_servers" {
  description = "The NTP servers the PDC emulator takes its time from."
  type        = list(string)
  default     = ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org"]
}

variable "username" {
  description = "A domain account in the Administrators group of every host, such as CORP\\svc-w32time."
  type        = string
}

variable "password" {
  description = "The account's password."
  type        = string
  sensitive   = true
}

provider "windows" {
  username = var.username
  password = var.password
}

# The root of the hierarchy: synchronises from the external servers and
# announces itself as a reliable time source (w32tm /reliable:YES).
resource "windows_ntp_config" "pdc_emulator" {
  host        = var.pdc_emulator
  type        = "NTP"
  ntp_servers = [for s in var.external_ntp_servers : { address = s, flags = ["SpecialInterval", "Client"] }]
  reliable    = true
}

# The other domain controllers follow the hierarchy. reliable = false writes
# /reliable:NO (the Windows default), which matters on a former PDC emulator
# after the role has moved.
resource "windows_ntp_config" "domain_controllers" {
  for_each = var.domain_controllers

  host     = each.value
  type     = "NT5DS"
  reliable = false
}

# Members take their time from a domain controller of their domain. Their
# NtpServer list is not used with NT5DS, so it is left as it is.
resource "windows_ntp_config" "member_servers" {
  for_each = var.member_servers

  host = each.value
  type = "NT5DS"
}

output "hierarchy" {
  description = "What each host was set to, and the Windows version detected."
  value = merge(
    { (var.pdc_emulator) = "NTP (reliable) on ${windows_ntp_config.pdc_emulator.os_version}" },
    { for h, r in windows_ntp_config.domain_controllers : h => "NT5DS on ${r.os_version}" },
    { for h, r in windows_ntp_config.member_servers : h => "NT5DS on ${r.os_version}" },
  )
}
