#!/bin/sh
# threshold_gate: exit 99 (skip) below the minimum; otherwise push the value and the margin.
cat > /dev/null
if awk "BEGIN { exit !($SLUICE_ARG_VALUE < $SLUICE_ARG_MINIMUM) }"; then
    echo "threshold_gate: $SLUICE_ARG_VALUE is below $SLUICE_ARG_MINIMUM: skipping"
    exit 99
fi
echo "threshold_gate: $SLUICE_ARG_VALUE >= $SLUICE_ARG_MINIMUM"
echo "{\"xcom\": \"return_value\", \"value\": $SLUICE_ARG_VALUE}" >> "$SLUICE_RESULT_FILE"
echo "{\"metric\": \"margin\", \"value\": $(awk "BEGIN { print $SLUICE_ARG_VALUE - $SLUICE_ARG_MINIMUM }")}" >> "$SLUICE_RESULT_FILE"
