terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}

variable "windows_password" {
  description = "Password of the administrator account the provider logs on with."
  type        = string
  sensitive   = true
}

variable "winrm_ca_pem" {
  description = "PEM of the CA that issued the hosts' WinRM HTTPS certificates, e.g. file(\"winrm-ca.pem\")."
  type        = string
  default     = null
}

# NTLM over HTTP (port 5985), the listener `winrm quickconfig` creates.
# The provider encrypts every message with the NTLM session key.
provider "windows" {
  host     = "dc01.example.com"
  username = "EXAMPLE\\svc-w32time"
  password = var.windows_password
}

# HTTPS (port 5986), verifying the host's certificate against your CA.
# Resources choose it with `provider = windows.https`.
provider "windows" {
  alias           = "https"
  host            = "10.0.0.5"
  https           = true
  ca_cert         = var.winrm_ca_pem
  tls_server_name = "dc02.example.com"
  username        = "EXAMPLE\\svc-w32time"
  password        = var.windows_password
  timeout         = "2m"
}
