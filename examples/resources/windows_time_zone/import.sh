# The import ID is the host.
terraform import windows_time_zone.tokyo app01.example.com
