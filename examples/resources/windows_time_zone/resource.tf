# An IANA name, mapped to the Windows id through CLDR's table.
resource "windows_time_zone" "tokyo" {
  host      = "app01.example.com"
  time_zone = "Asia/Tokyo" # windows_id = "Tokyo Standard Time"
}

# A Windows id, with the automatic daylight saving adjustment turned off
# (tzutil's _dstoff; Server 2008 R2 and later).
resource "windows_time_zone" "pacific" {
  host      = "app02.example.com"
  time_zone = "Pacific Standard Time_dstoff"
}
