package main

import "strings"

// Name pools. Each organisation draws from its country's pool, with the
// surnames of people who came from elsewhere mixed in as they are in real
// workforces.

var usFirst = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra
Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian
Melissa George Deborah Timothy Stephanie Ronald Dorothy Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia Jacob
Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry Anna Justin Pamela Scott Nicole
Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet
Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce
Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn Christian
Hannah Walter Andrea Keith Megan Austin Cheryl Roger Jacqueline Terry Madison Sean Teresa Gerald Abigail Carl Sophia
Dylan Martha Harold Sara Jordan Gloria Jesse Janice Bryan Kathryn Lawrence Ann Arthur Isabella Gabriel Judy Bruce
Charlotte Logan Julia Billy Grace Joe Amber Alan Alice Juan Jean Elijah Denise Willie Frances Albert Danielle Wayne
Marilyn Randy Natalie Mason Beverly Vincent Diana Liam Brittany Roy Theresa Bobby Kayla Caleb Alexis Bradley Doris
Russell Lori Lucas Tiffany Priya Raj Wei Mei Hiroshi Yuki Carlos Lucia Miguel Sofia Ahmed Fatima Kwame Ama Dmitri
Svetlana Tomasz Agnieszka Thanh Linh Arjun Deepa Jorge Rosa Luis Carmen Omar Leila`)

var usLast = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales
Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson
Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons
Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson
Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington
Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez
Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren
Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley
Spencer Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson
Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis
Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper
Burke Larson Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs OBrien Lynch Singh
Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy
Garrett Burton Fuller Wang Weber Welch Rojas Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman
Schultz Luna Fowler Mejia Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider
Joseph Barrett Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck
Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton
Schwartz Norris Jennings Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker Terry
Hale Leon Hail Benson Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman
Dawson Lara Fletcher Page McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin
Daniel Simon Velasquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey
Francis Griffith Paul Blair OConnor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan Rodgers Serrano
Fitzgerald Rosales Stevenson Christensen Manning Gill Curry McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess
Reese Walton Blake Trujillo Adkins Brady Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu
Hines Mullins Castaneda Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia Saunders Franco Rowe
Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton Schroeder Maxwell Waters Logan Camacho
Strickland Norman Person Colon Parsons Frank Harrington Glover Osborne Buchanan Casey Floyd Patton Ibarra Ball Tyler
Suarez Bowers Orozco Salas Cobb Gibbs Andrade Bauer Conner Moody Escobar McGuire Lloyd Mueller Hartman French Kramer
McBride Pope Lindsey Velazquez Norton McCormick Sparks Flynn Yates Hogan Marsh Macias Villanueva Zamora Pratt Stokes
Owen Ballard Lang Brock Villarreal Charles Drake Barrera Cain Patrick Pineda Burnett Mercado Santana Shepherd Bautista
Ali Shaffer Lamb Trevino McKenzie Hess Beil Olsen Cochran Morton Nash Wilkins Petersen Briggs Shah Roth Nicholson
Holloway Lozano Rangel Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers Weiss Underwood Bass Greer Summers
Houston Carson Morrow Clayton Whitaker Decker Yoder Collier Zuniga Carey Wilcox Melendez Poole Roberson Larsen Conley
Davenport Copeland Massey Lam Huff Rocha Cameron Jefferson Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk
Combs Mathis Christian Skinner Bradford Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce Atkinson Velez Meza
Roy Vincent York Hodge Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt Dalton Horn Barron Phelps
Yu Dickerson Heath Foley Atkins Mathews Bonilla Acevedo Benitez Zavala Hensley Glenn Cisneros Harrell Shields Rubio
Choi Huffman Boyer Garrison Arroyo Bond Kane Hancock Callahan Dillon Cline Wiggins Grimes Arellano Melton ONeill
Savage Ho Beltran Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan McDowell Marks Cantu Humphrey Baxter Sawyer
Clay Tanner Hutchinson Kaur Berg Wiley Gilmore Russo Villegas Hobbs Keith Wilkerson Ahmed Beard McClain Montes Mata
Rosario Vang Walter Henson ONeal Mosley McClure Beasley Stephenson Snow Huerta Preston Vance Barry Johns Eaton
Blackwell Dyer Prince Macdonald Solomon Guevara Stafford English Hurst Woodard Cortes Shannon Kemp Nolan McCullough
Merritt Murillo Moon Salgado Strong Kline Cordova Barajas Roach Rosas Winters Jacobson Lester Knox Bullock Kerr
Leach Meadows Davila Orr Whitehead Pruitt Kent Conway McKee Barr David Dejesus Marin Berger McIntyre Blankenship
Gaines Palacios Cuevas Bartlett Durham Dorsey McCall ODonnell Stein Browning Stout Lowery Sloan McLean Hendricks
Calhoun Sexton Chung Gentry Hull Duarte Ellison Nielsen Gillespie Buck Middleton Sellers Leblanc Esparza Hardin Bradshaw
McIntosh Howe Livingston Frost Glass Morse Knapp Herman Stark Bravo Noble Spears Weeks Corona Frederick Buckley
McFarland Hebert Enriquez Hickman Quintero Randolph Schaefer Walls Trejo House Reilly Pennington Michael Conrad Giles
Benjamin Crosby Fitzpatrick Donovan Mays Mahoney Valentine Raymond Medrano Hahn McMillan Small Bentley Felix Peck Lucero
Boyle Hanna Pace Rush Hurley Harding McConnell Bernal Nava Ayers Everett Ventura Avery Pugh Mayer Bender Shepard
McMahon Landry Case Sampson Moses Magana Blackburn Dunlap Gould Duffy Vaughan Herring McKay Espinosa Rivers Farley
Bernard Ashley Friedman Potts Truong Costa Correa Blevins Nixon Clements Fry Delarosa Best Benton Lugo Portillo Dougherty
Crane Haley Phan Villalobos Blanchard Horne Finley Quintana Lynn Esquivel Bean Dodson Mullen Xiong Hayden Cano Levy
Huber Richmond Moyer Lim Frye Sheppard McCarty Avalos Booker Waller Parra Woodward Jaramillo Krueger Rasmussen Brandt
Peralta Donaldson Stuart Faulkner Maynard Galindo Coffey Estes Sanford Burch Maddox Vo OConnell Vu Andersen Spence
Mcpherson Church Schmitt Stanton Leal Cherry Compton Dudley Sierra Pollard Alfaro Hester Proctor Lu Hinton Novak Good
Madden Hatfield Patil Iyer Reddy Nair Kowalski Nowak Okafor Mensah Adeyemi Tanaka Sato Ivanova Petrov Haddad Farah`)

var deFirst = strings.Fields(`Thomas Michael Andreas Stefan Peter Christian Frank Markus Wolfgang Klaus Jürgen Uwe Martin
Matthias Bernd Ralf Dirk Sven Jan Tobias Florian Sebastian Alexander Daniel Dennis Tim Lukas Jonas Leon Felix Maximilian
Niklas Philipp Moritz Paul Hans Günter Dieter Horst Manfred Rolf Jörg Holger Kai Oliver Torsten Heiko Carsten Björn
Sabine Andrea Petra Claudia Susanne Monika Birgit Gabriele Karin Nicole Stefanie Katrin Julia Anna Laura Lena Lea Sarah
Hannah Sophie Marie Johanna Katharina Christina Melanie Sandra Tanja Anja Silke Heike Kerstin Ute Renate Ursula Brigitte
Ingrid Helga Jutta Martina Simone Daniela Nadine Jessica Vanessa Carina Franziska Theresa Miriam Annika Jana Lisa Elif
Mehmet Ayşe Ahmet Fatma Mustafa Emre Zeynep Piotr Katarzyna Krzysztof Agnieszka Marco Giulia Luca Francesca Dimitri
Olga Sergej Natalia Ivana Goran Milena Vasilios Eleni`)

var deLast = strings.Fields(`Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz
Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller
Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht
Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt
Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff
Pfeiffer Haase Ernst Lindner Kühne Hesse Ebert Franz Bock Mayr Seifert Hübner Kremer Blum Bischoff Hirsch Ott Böttcher
Wendt Wenzel Stark Schmitz Frey Hermann Schlegel Reuter Brinkmann Gerlach Sander Kaufmann Marx Rothe Wiedemann Riedel
Ullrich Vetter Forster Rieger Hagen Nowak Kowalski Wojcik Lewandowski Yılmaz Kaya Demir Şahin Çelik Öztürk Aydın
Arslan Doğan Rossi Russo Esposito Bianchi Romano Colombo Ricci Popović Jovanović Ivanov Petrov Schneider Hummel Kolb
Kessler Burkhardt Seitz Sturm Eckert Engelhardt Bühler Vollmer Rapp Götz Eberhardt Haug Maurer Kienzle Pfister Rau`)

var frFirst = strings.Fields(`Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel Daniel Roger
Robert Paul Claude Christian Henri Georges Nicolas François Patrick Gérard Christophe Joseph Julien Éric Laurent
Frédéric Stéphane David Pascal Olivier Thierry Sébastien Vincent Guillaume Antoine Maxime Thomas Alexandre Romain
Hugo Lucas Théo Mathieu Arnaud Benoît Cédric Damien Fabrice Yannick Jérôme Ludovic Marie Jeanne Françoise Monique
Catherine Nathalie Isabelle Sylvie Anne Martine Nicole Christine Valérie Sandrine Sophie Céline Stéphanie Véronique
Chantal Brigitte Hélène Julie Aurélie Émilie Camille Manon Léa Chloé Sarah Laura Pauline Claire Élodie Caroline Audrey
Mélanie Virginie Delphine Karine Laëtitia Marion Charlotte Lucie Inès Clémence Jean-Pierre Jean-Luc Jean-François
Marie-Claire Anne-Sophie Marie-Hélène Jean-Marc Pierre-Yves Mohamed Karim Nadia Fatima Samir Yasmina Mehdi Leila
Rachid Amina João Ana Paulo Rui Soazig Erwan Gwenaëlle Loïc Yann Maëlle`)

var frLast = fields(`Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre
Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure
André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas
Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard
Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal
Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet
Rolland Leclercq Guillaume Lecomte Lopez Jean Dupuis Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis
Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles
Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le_Gall Le_Goff Le_Roux Kerbrat
Tanguy Guillou Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Le_Corre Cousin Germain Breton Besson Langlois
Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez
Guichard Gillet Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da_Silva Bouchet Gay Lemaître Bénard Maréchal
Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte
Benali Bensaïd Haddad Mansouri Belkacem Diallo Traoré Ferreira Pereira Rodrigues Santos Oliveira Nguyen Tran`)

// The surnames that make people look like machines to a naive reader: real
// surnames that contain or are machine words.
var (
	usHardLast = []string{"Robotham", "Testa", "Templeton", "Bott", "Sisson", "Batch", "Servis"}
	deHardLast = []string{"Bott", "Testa", "Botzenhart", "Dienst", "Systemann", "Mustermann"}
	frHardLast = []string{"Robot", "Testard", "Lebot", "Servais", "Modelin", "Bottier"}
)

var foldMap = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "È", "E", "à", "a", "â", "a", "Â", "A", "î", "i", "ï", "i",
	"ô", "o", "û", "u", "ù", "u", "ç", "c", "Ç", "C", "œ", "oe", "ñ", "n", "ã", "a", "õ", "o", "ı", "i", "ş", "s",
	"Ş", "S", "ğ", "g", "ć", "c", "č", "c", "š", "s", "ž", "z", "ł", "l", "ń", "n", "ś", "s",
	"ó", "o", "á", "a", "í", "i", "ú", "u", "Ë", "E",
)

// fold writes a name in ASCII, as a directory's naming script would.
func fold(s string) string { return foldMap.Replace(s) }

// letters keeps the ASCII letters of s, lower-cased.
func letters(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(fold(s)) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mailPart is a name as it goes into an e-mail address: ASCII, lower case,
// hyphens kept, spaces and apostrophes dropped.
func mailPart(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(fold(s)) {
		if c >= 'a' && c <= 'z' || c == '-' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// fields splits a list of names; an underscore joins the words of one name.
func fields(s string) []string {
	f := strings.Fields(s)
	for i, x := range f {
		f[i] = strings.ReplaceAll(x, "_", " ")
	}
	return f
}
