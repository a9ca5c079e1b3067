variable "hosts" {
  description = "The site's Windows servers (not its domain controllers): DNS names or IP addresses, each optionally with :port."
  type        = set(string)

  validation {
    condition     = length(var.hosts) > 0
    error_message = "hosts: give at least one host."
  }
}

variable "peers" {
  description = "The site's NTP servers, in order of preference: names or addresses, without flags (the module sets them)."
  type        = list(string)

  validation {
    condition     = length(var.peers) > 0
    error_message = "peers: give at least one NTP server."
  }

  validation {
    condition     = alltrue([for p in var.peers : !strcontains(p, ",")])
    error_message = "peers: give names or addresses without flags (\"time.windows.com\", not \"time.windows.com,0x9\"): the module sets the flags."
  }
}

variable "fallback_peers" {
  description = "NTP servers used only when none of peers answers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.fallback_peers : !strcontains(p, ",")])
    error_message = "fallback_peers: give names or addresses without flags: the module sets the flags."
  }
}

variable "type" {
  description = "NTP (the peers only) or AllSync (the domain hierarchy, then the peers)."
  type        = string
  default     = "NTP"

  validation {
    condition     = contains(["NTP", "AllSync"], var.type)
    error_message = "type: NTP or AllSync (this module always sets peers; NT5DS and NoSync ignore them)."
  }
}
