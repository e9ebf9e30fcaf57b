# SPDX-License-Identifier: Apache-2.0
#
# Thermal trips and throttling. A server that reaches a passive, hot or
# critical trip point, a hwmon critical limit, or throttles its CPUs is
# short of cooling; thermal-throttle lowers its power cap and moves batch
# work away. Active trip points are fan speed steps, normal operation, and
# never match. Zones oscillate around a trip point, so each zone or sensor
# asks at most once an hour; thermal-throttle.hcl caps the runs per node and
# per datacenter (a hot room is a facilities problem, not a node's).

rule "thermal-zone-trip" {
  description = "Thermal zone crossed a passive, hot or critical trip point (thermal:thermal_zone_trip)"
  source      = "bpf"
  match {
    kind = "thermal_zone_trip"
    field "trip_type" { in = ["PASSIVE", "HOT", "CRITICAL"] }
  }
  threshold { key = "thermal_zone{id}" }
  cooldown = "1h"
  workflow = "thermal-throttle"
  params = {
    zone   = "thermal_zone{id}"
    temp   = "{temp}"
    reason = "{thermal_zone} (thermal_zone{id}) reached its {trip_type} trip point at {temp} m°C"
  }
}

rule "thermal-trip-sysfs" {
  description = "Thermal zone reached a passive, hot or critical trip point (sysfs)"
  source      = "sysfs"
  match {
    kind = "thermal_trip"
    field "trip_type" { in = ["passive", "hot", "critical"] }
  }
  threshold { key = "{zone}" }
  cooldown = "1h"
  workflow = "thermal-throttle"
  params = {
    zone   = "{zone}"
    temp   = "{temp}"
    reason = "{type} ({zone}) reached its {trip_type} trip point {trip_temp} m°C at {temp} m°C"
  }
}

# hwmon critical limits only: the "max" limit of many sensors (NVMe drives,
# DIMM sensors) is a warning level reached under normal heavy load.
rule "hwmon-temp-crit" {
  description = "Temperature sensor reached its critical limit (hwmon)"
  source      = "sysfs"
  match {
    kind = "hwmon_temp"
    field "limit_kind" { equals = "crit" }
  }
  threshold { key = "{hwmon}/{sensor}" }
  cooldown = "1h"
  workflow = "thermal-throttle"
  params = {
    zone   = "{chip}/{label}"
    temp   = "{temp}"
    reason = "{chip} {label} at {temp} m°C reached its critical limit {limit} m°C"
  }
}

# The chip's own critical alarm, seen at once through POLLPRI.
rule "hwmon-crit-alarm" {
  description = "Temperature sensor raised its critical alarm (hwmon)"
  source      = "sysfs"
  match {
    kind = "hwmon_alarm"
    field "attribute" { regex = "^temp\\d+_crit_alarm$" }
  }
  threshold { key = "{hwmon}/{sensor}" }
  cooldown = "1h"
  workflow = "thermal-throttle"
  params = {
    zone   = "{chip}/{label}"
    reason = "{chip} {label} raised {attribute}"
  }
}

# arch/x86/kernel/cpu/mce/therm_throt.c and drivers/thermal/thermal_core.c:
#   CPU0: Core temperature above threshold, cpu clock throttled (total events = 1)
#   CPU2: Package temperature is above threshold, cpu clock is throttled (total events = 3)
#   thermal thermal_zone0: acpitz: critical temperature reached, shutting down
# The all-clear ("CPU0: Core temperature/speed normal"), power limit
# notifications and the boot banners ("mce: CPU0: Thermal monitoring enabled
# (TM1)", "ACPI: thermal: Thermal Zone [TZ00] (28 C)") do not match. The
# kernel logs throttling on every CPU of a package at once: one key for the
# node.
rule "cpu-thermal-throttle" {
  description = "CPU thermal throttling or critical temperature (kernel log line)"
  source      = "journal"
  match {
    message = "^(?:mce: )?CPU(?<cpu>\\d+): (?<level>Core|Package) temperature (?:is )?above threshold, cpu clock (?:is )?throttled|(?i:critical temperature reached)"
  }
  cooldown = "1h"
  workflow = "thermal-throttle"
  params = {
    reason = "{MESSAGE}"
  }
}
