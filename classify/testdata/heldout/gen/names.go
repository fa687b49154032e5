package main

import "strings"

func fields(s string) []string {
	f := strings.Fields(s)
	for i, x := range f {
		f[i] = strings.ReplaceAll(x, "_", " ")
	}
	return f
}

var esFirst = fields(`Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro Miguel Rafael Pablo Pedro
Ángel Sergio Fernando Jorge Luis Alberto Álvaro Adrián Diego Raúl Enrique Ramón Vicente Iván Rubén Óscar Andrés Joaquín
Santiago Eduardo Víctor Roberto Jaime Mario Ignacio Marcos Hugo Salvador Emilio Julián Tomás Agustín Nicolás Gonzalo
María Carmen Ana Isabel Laura Cristina Marta Lucía Pilar Elena Sara Paula Raquel Rosa Manuela Mercedes Beatriz Nuria
Silvia Julia Irene Patricia Rocío Andrea Alba Montserrat Mónica Rosario Teresa Sonia Alicia Marina Sandra Yolanda
Inmaculada Amparo Eva Natalia Claudia Noelia Lorena Verónica Ángela Inés Esther Sofía Carla Vicenta Desamparados
María_José María_Dolores Juan_Carlos José_Luis José_Antonio Francisco_Javier Mohamed Fatima Ionut Andreea Yerai Ainhoa`)

var esLast = fields(`García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz
Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina
Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano
Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes
Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán
Santiago Benítez Mora Vicente Vargas Arias Carmona Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo
Gallardo Rojas Pardo Merino Franco Espinosa Izquierdo Lara Rivas Silva Rivera Casado Arroyo Redondo Camacho Rey Vera
Otero Luque Galán Montes Ríos Sierra Segura Carrillo Marcos Marí Soriano Mendoza Robles Bernal Vila Valero Palomo
Llorens Císcar Sanchis Bosch Puig Ferrando Mas Roig Tormo Climent Peris Escrivá Orts Boix Alemany Popescu El_Amrani`)

var nlFirst = fields(`Jan Pieter Kees Henk Johan Willem Gerard Hans Peter Mark Erik Dennis Sander Bas Tim Thijs Daan Lars Niels
Joost Ruben Jeroen Martijn Wouter Bram Sven Stefan Rob Frank Marco Edwin Richard Arjan Ronald René Ad Cor Bert Theo Huub
Maria Anna Johanna Cornelia Elisabeth Wilhelmina Petra Monique Sandra Linda Esther Marieke Anouk Femke Lotte Sanne Lisa
Eva Iris Fleur Sophie Emma Julia Lieke Anne Inge Ingrid Karin Marjolein Mirjam Judith Nicole Wendy Kim Renate Yvonne
Ilse Hanneke Annemiek Saskia Ellen Mohamed Fatima Youssef Samira Ahmet Ayşe Priya Rajesh Wei Kofi Nadia Dewi`)

var nlLast = fields(`de_Jong Jansen de_Vries van_den_Berg van_Dijk Bakker Janssen Visser Smit Meijer de_Boer Mulder de_Groot
Bos Vos Peters Hendriks van_Leeuwen Dekker Brouwer de_Wit Dijkstra Smits de_Graaf van_der_Meer van_der_Linden Kok Jacobs
de_Haan Vermeulen van_den_Heuvel van_der_Veen van_den_Broek de_Bruijn de_Bruin van_der_Heijden Schouten van_Beek
Willems van_Vliet van_de_Ven Hoekstra Maas Verhoeven Koster van_Dam van_der_Wal Prins Blom Huisman Peeters de_Lange
Kuipers van_Wijk Post Kuiper Veenstra Kramer van_den_Brink Scholten van_Wijngaarden Martens Vink de_Ruiter Timmermans
Groen Gerritsen Jonker van_Loon Boer van_der_Velde Willemsen Smeets de_Lange Bosch van_Dongen Verbeek Molenaar Hermans
Postma Schipper Koning van_Rijn Evers Bouwman Veldman Brink Wijnands Haverkamp Yılmaz El_Idrissi Bouzid Tahiri Öztürk
Pinas Soekhoe Tjon Nguyen Kartosen Ramdin`)

var svFirst = fields(`Lars Anders Johan Per Erik Karl Mikael Jan Peter Thomas Daniel Fredrik Hans Bengt Stefan Mats Magnus Andreas
Mattias Jonas Niklas Björn Oskar Gustav Axel Viktor Emil Linus Henrik Ola Göran Ulf Kjell Sven Nils Olof Åke Anna Eva Maria
Karin Sara Kristina Lena Emma Kerstin Ingrid Marie Malin Jenny Annika Linda Susanne Elin Hanna Johanna Sofia Ida Julia
Frida Maja Elsa Ebba Moa Åsa Birgitta Ulla Helena Camilla Therese Petra Louise Matilda Agnes Tove Mohammed Ali Amira
Ahmed Leila Reza Nour Aleksandra Tomasz Mirja Aino`)

var svLast = fields(`Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson
Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson Lindström Lindqvist Lindgren Berg Axelsson
Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin
Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson
Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström
Viklund Björklund Eliasson Pålsson Berggren Sandström Lund Nordin Ström Åberg Hermansson Ekström Holmgren Sundberg
Hedlund Dahlberg Hellström Sjögren Abrahamsson Falk Öberg Andreasson Blom Ek Nordqvist Mohammed Ali Hassan Yusuf Nowak`)

// Surnames that read as machine words.
var (
	esHardLast = []string{"Servicio", "Prueba", "Robles", "Bot", "Plantilla"}
	nlHardLast = []string{"Test", "Botter", "Proef", "Robot", "Beheer"}
	svHardLast = []string{"Test", "Bot", "Mall", "Tjänst", "Robotsson"}
)

var foldES = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "Á", "A", "É", "E",
	"Í", "I", "Ó", "O", "Ú", "U", "Ñ", "N", "à", "a", "è", "e", "ò", "o", "ç", "c", "ı", "i", "ş", "s")
var foldNL = strings.NewReplacer("é", "e", "ë", "e", "ï", "i", "ö", "o", "ü", "u", "ı", "i", "ş", "s", "Ö", "O", "ç", "c")
var foldSV = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "A", "Ä", "A", "Ö", "O", "é", "e", "ü", "u")

// ascii keeps lower-case ASCII letters (and the extra runes allowed) of s
// after folding it.
func ascii(f *strings.Replacer, s, allowed string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(f.Replace(s)) {
		if c >= 'a' && c <= 'z' || strings.ContainsRune(allowed, c) {
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
