# The ID is the host, written exactly as in the resource's `host` argument
# (with its port, if it has one).
terraform import windows_ntp_config.app01 app01.example.com
