const { percentOff } = require("./discount");

/** The cart's total in cents: each line's price times its quantity, less the discount. */
function total(lines, discountPercent = 0) {
  const subtotal = lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0);
  return subtotal - percentOff(subtotal, discountPercent);
}

/** How many items the cart holds, counting every unit of every line. */
function itemCount(lines) {
  return lines.reduce((count, line) => count + line.quantity, 0);
}

module.exports = { total, itemCount };
