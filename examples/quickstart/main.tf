# Quickstart: make a Windows host take its time from the domain hierarchy and
# from two NTP servers (AllSync). `make demo` applies this against a simulated
# Windows Server 2003, where the provider writes AllSync as
# /syncfromflags:DOMHIER,MANUAL because that w32tm refuses ALL.

terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

variable "host" {
  description = "The Windows host (name or address, optionally with :port)."
  type        = string
}

variable "username" {
  description = "An administrator of the host."
  type        = string
  default     = "Administrator"
}

variable "password" {
  description = "The administrator's password."
  type        = string
  sensitive   = true
}

provider "windows" {
  host     = var.host
  username = var.username
  password = var.password
}

resource "windows_ntp_config" "this" {
  type = "AllSync"
  ntp_servers = [
    { address = "ntp.nict.jp" }, # flags default to SpecialInterval + Client (0x9)
    { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] },
  ]
}

output "os_version" {
  description = "The Windows version the provider detected."
  value       = windows_ntp_config.this.os_version
}
