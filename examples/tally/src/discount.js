/** The discount in whole cents: `percent` of `amountCents`, rounded to the nearest cent. */
function percentOff(amountCents, percent) {
  if (percent < 0 || percent > 10) {
    throw new RangeError(`a discount is between 0 and 100 percent, not ${percent}`);
  }
  return Math.round((amountCents * percent) / 100);
}

module.exports = { percentOff };
